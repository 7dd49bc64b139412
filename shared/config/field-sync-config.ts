import os from 'node:os';
import { z } from 'zod';
import { hubspotConfigOf, hubspotEnvFields } from './hubspot-env.js';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf } from './runtime-env.js';
import { claimLeaseField, workerEnvFields } from './worker-env.js';

/** Settings of the field-sync worker (functions/field-sync), read once per instance. */
const schema = z
  .object({
    ...workerEnvFields,
    ...hubspotEnvFields,
    /** The writing private app's token: this worker alone writes HubSpot. */
    HUBSPOT_ACCESS_TOKEN: z.string(),
    /**
     * Customers one worker syncs together: HubSpot's batch update and current-value read take 100
     * inputs, so a full batch of WARP edits is one read and one update (history is read, 50 per
     * call, only where it can decide: company-exchange.ts).
     */
    FIELD_SYNC_BATCH_CUSTOMERS: z.coerce.number().int().min(1).max(100).default(100),
    FIELD_SYNC_CLAIM_LEASE_MS: claimLeaseField,
    /** Delay before another worker may take a row whose sync failed and is waiting for redelivery. */
    FIELD_SYNC_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(10_000),
    /**
     * Before creating a company for a new customer, link it to one sales made already (the match
     * run's rules; one search per few dozen new customers). Off: always create (upsert on warp_ban).
     */
    FIELD_SYNC_MATCH_NEW_CUSTOMERS: envFields.boolean(true),
    WORKER_ID: z.string().min(1).default(`${os.hostname()}:${process.pid}`),
  })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    hubspot: hubspotConfigOf(env, env.HUBSPOT_ACCESS_TOKEN),
    fieldSync: {
      workerId: env.WORKER_ID,
      batchCustomers: env.FIELD_SYNC_BATCH_CUSTOMERS,
      claimLeaseMs: env.FIELD_SYNC_CLAIM_LEASE_MS,
      retryDelayMs: env.FIELD_SYNC_RETRY_DELAY_MS,
      matchNewCustomers: env.FIELD_SYNC_MATCH_NEW_CUSTOMERS,
    },
  }));

export type FieldSyncConfig = z.output<typeof schema>;

export const loadFieldSyncConfig = configLoader({ secrets: ['DATABASE_URL', 'HUBSPOT_ACCESS_TOKEN'], schema });
