import { z } from 'zod';
import { runtimeEnvFields } from './runtime-env.js';

/** Env fields every sync worker (field-sync, outbox relay, hubspot-inbound, reconcile) reads. */
export const workerEnvFields = {
  ...runtimeEnvFields,
  // Terraform sets it to concurrency x 2: an invocation holds its transaction's connection while
  // the shared rate budget takes another.
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2, 'must be at least 2 (a transaction and the rate budget)').max(100).default(5),
};

/**
 * FIELD_SYNC_CLAIM_LEASE_MS: a claim older than this was abandoned by a crashed worker and may be
 * taken again; the reconciliation reads it too, to tell a stranded claim from work in progress.
 */
export const claimLeaseField = z.coerce.number().int().min(1000).default(120_000);
