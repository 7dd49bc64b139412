import { z } from 'zod';
import { parseEnvWithDatabaseUrl } from './database-url.js';
import type { Env } from './parse-env.js';
import type { SecretReader } from './secrets.js';
import { workerEnvFields } from './worker-env.js';

/**
 * Settings of the reconciliation worker (functions/reconcile), read once per instance. Secrets
 * are resolved apart from this schema: DATABASE_URL (or DATABASE_URL_SECRET) by the loader,
 * HUBSPOT_ACCESS_TOKEN (or HUBSPOT_ACCESS_TOKEN_SECRET) by the function's deps.
 */
const schema = z.object({
  /** OUTBOX_TOPIC among them: where the RESYNC rows a run enqueues are published. */
  ...workerEnvFields,
  /** Customers per enqueue transaction; the run's cursor is saved with each one. */
  RECONCILE_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  /**
   * An incremental run looks back to the last successful run's start minus this much: HubSpot's
   * search index lags writes by seconds, and HubSpot's clock is not ours.
   */
  RECONCILE_OVERLAP_MS: z.coerce.number().int().min(0).default(600_000),
  /** Companies per HubSpot search page (HubSpot's maximum is 200). */
  RECONCILE_SEARCH_PAGE_SIZE: z.coerce.number().int().min(1).max(200).default(200),
  /** As field-sync's: a dry run recognizes our own writes in HubSpot's history the same way. */
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric HubSpot app id').optional(),
});

export type ReconcileConfig = z.output<typeof schema> & { DATABASE_URL: string };

export function loadReconcileConfig(env: Env, reader: SecretReader): Promise<ReconcileConfig> {
  return parseEnvWithDatabaseUrl(schema, env, reader);
}
