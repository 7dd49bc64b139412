import { z } from 'zod';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { hubspotConfigOf, hubspotEnvFields } from './hubspot-env.js';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf } from './runtime-env.js';
import { claimLeaseField, workerEnvFields } from './worker-env.js';

/** Settings of the reconciliation worker (functions/reconcile), read once per instance. */
const schema = z
  .object({
    ...workerEnvFields,
    /** HUBSPOT_APP_ID among them: a dry run recognizes our own writes in HubSpot's history as field-sync does. */
    ...hubspotEnvFields,
    /** Reads only: a token of the read-scoped private app (least privilege; field-sync alone writes). */
    HUBSPOT_READ_TOKEN: z.string(),
    /** Where the RESYNC rows a run enqueues are published. */
    OUTBOX_TOPIC: envFields.topic(DEFAULT_OUTBOX_TOPIC),
    FIELD_SYNC_CLAIM_LEASE_MS: claimLeaseField,
    /** Customers per enqueue transaction; the run's cursor is saved with each one. */
    RECONCILE_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
    /**
     * An incremental run looks back to the last successful run's start minus this much: HubSpot's
     * search index lags writes by seconds, and HubSpot's clock is not ours.
     */
    RECONCILE_OVERLAP_MS: z.coerce.number().int().min(0).default(600_000),
    /** Companies per HubSpot search page (HubSpot's maximum is 200). */
    RECONCILE_SEARCH_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(200),
  })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    hubspot: hubspotConfigOf(env, env.HUBSPOT_READ_TOKEN),
    outboxTopic: env.OUTBOX_TOPIC,
    reconcile: {
      chunkSize: env.RECONCILE_CHUNK_SIZE,
      overlapMs: env.RECONCILE_OVERLAP_MS,
      searchPageSize: env.RECONCILE_SEARCH_PAGE_SIZE,
      claimLeaseMs: env.FIELD_SYNC_CLAIM_LEASE_MS,
    },
  }));

export type ReconcileConfig = z.output<typeof schema>;

export const loadReconcileConfig = configLoader({ secrets: ['DATABASE_URL', 'HUBSPOT_READ_TOKEN'], schema });
