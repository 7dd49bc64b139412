import { z } from 'zod';
import { hubspotClientEnvFields } from '../hubspot/client/config.js';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { envFields } from './parse-env.js';

/**
 * Env fields every sync worker (field-sync, outbox relay, hubspot-inbound) reads: the HubSpot
 * client's, the database pool, logging, and the outbox topic (the outbound worker's input, where
 * the relay and the inbound processor publish). DATABASE_URL is a secret: see database-url.ts.
 */
export const workerEnvFields = {
  ...hubspotClientEnvFields,
  // Terraform sets it to concurrency x 2: an invocation holds its transaction's connection while
  // the shared rate budget takes another.
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2, 'must be at least 2 (a transaction and the rate budget)').max(100).default(5),
  /**
   * A claim older than this was abandoned by a crashed worker and may be taken again; the
   * reconciliation reads it too, to tell a stranded claim from work in progress.
   */
  FIELD_SYNC_CLAIM_LEASE_MS: z.coerce.number().int().min(1000).default(120_000),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  OUTBOX_TOPIC: z.string().min(1).default(DEFAULT_OUTBOX_TOPIC),
};
