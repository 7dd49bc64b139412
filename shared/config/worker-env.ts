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
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(50).default(5),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  OUTBOX_TOPIC: z.string().min(1).default(DEFAULT_OUTBOX_TOPIC),
};
