import { z } from 'zod';
import { configLoader } from './load-config.js';
import { claimLeaseField, hubspotReaderConfigOf, hubspotReaderEnvFields, hubspotReaderSecrets } from './worker-env.js';

/** Settings of the reconciliation worker (functions/reconcile), read once per instance. */
const schema = z
  .object({
    ...hubspotReaderEnvFields,
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
    ...hubspotReaderConfigOf(env),
    reconcile: {
      chunkSize: env.RECONCILE_CHUNK_SIZE,
      overlapMs: env.RECONCILE_OVERLAP_MS,
      searchPageSize: env.RECONCILE_SEARCH_PAGE_SIZE,
      claimLeaseMs: env.FIELD_SYNC_CLAIM_LEASE_MS,
    },
  }));

export type ReconcileConfig = z.output<typeof schema>;

export const loadReconcileConfig = configLoader({ secrets: hubspotReaderSecrets, schema });
