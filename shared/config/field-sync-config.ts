import os from 'node:os';
import { z } from 'zod';
import { parseEnvWithDatabaseUrl } from './database-url.js';
import { envFields, type Env } from './parse-env.js';
import type { SecretReader } from './secrets.js';
import { RETENTION_DEFAULTS, type RetentionPolicy } from '../retention/purge.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC } from './webhook-config.js';
import { workerEnvFields } from './worker-env.js';

/**
 * Settings of the field-sync worker and the outbox relay, read once per instance. The HubSpot
 * client's fields are its adapter's. Secrets are resolved apart from this schema: DATABASE_URL
 * (or DATABASE_URL_SECRET) by the loader, the worker's HUBSPOT_ACCESS_TOKEN (or _SECRET) by its deps.
 */
const schema = z.object({
  ...workerEnvFields,
  /**
   * Customers one worker syncs together: HubSpot's batch update takes 100 inputs (history reads
   * take 50, so a full batch is two reads and one update: 0.03 calls per change).
   */
  FIELD_SYNC_BATCH_CUSTOMERS: z.coerce.number().int().min(1).max(100).default(100),
  /** Delay before another worker may take a row whose sync failed and is waiting for redelivery. */
  FIELD_SYNC_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(10_000),
  /**
   * Before creating a company for a new customer, link it to one sales made already (the match
   * run's rules; one search per few dozen new customers). Off: always create (upsert on warp_ban).
   */
  FIELD_SYNC_MATCH_NEW_CUSTOMERS: envFields.boolean(true),
  OUTBOX_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  OUTBOX_RELAY_LIMIT: z.coerce.number().int().min(1).max(1000).default(500),
  /** Claimed-then-dropped or failed rows untouched this long are republished by the relay. */
  OUTBOX_RELAY_STUCK_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Worker attempts after which the relay gives a change up (FAILED, CRITICAL) instead of resending it. */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(20),
  /** The relay tick also republishes webhook events the intake stored but could not publish. */
  HUBSPOT_EVENTS_TOPIC: z.string().min(1).default(DEFAULT_HUBSPOT_EVENTS_TOPIC),
  /** Younger events are left to the intake request that stored them (or to HubSpot's retry of it). */
  WEBHOOK_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
  WEBHOOK_RELAY_LIMIT: z.coerce.number().int().min(1).max(1000).default(500),
  WORKER_ID: z.string().min(1).default(`${os.hostname()}:${process.pid}`),
  /** Retention, purged by the relay tick (shared/retention/purge.ts): ages in days, batch size, time per tick. */
  RETENTION_SYNC_LOG_DAYS: z.coerce.number().int().min(1).default(RETENTION_DEFAULTS.syncLogDays),
  RETENTION_WEBHOOK_EVENT_DAYS: z.coerce.number().int().min(1).default(RETENTION_DEFAULTS.webhookEventDays),
  RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(1).default(RETENTION_DEFAULTS.outboxDays),
  RETENTION_IDEMPOTENCY_KEY_DAYS: z.coerce.number().int().min(1).default(RETENTION_DEFAULTS.idempotencyKeyDays),
  RETENTION_BATCH_ROWS: z.coerce.number().int().min(100).max(50_000).default(RETENTION_DEFAULTS.batchRows),
  RETENTION_MAX_PASS_MS: z.coerce.number().int().min(0).max(60_000).default(RETENTION_DEFAULTS.maxPassMs),
  /**
   * The id of the HubSpot app whose token the worker uses (the app's settings page shows it).
   * Properties whose last change this app made are our own writes, so one that landed late is
   * put back to WARP's value instead of being taken for a HubSpot edit. Unset: none recognized.
   */
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric HubSpot app id').optional(),
});

export type FieldSyncConfig = z.output<typeof schema> & { DATABASE_URL: string };

export function loadFieldSyncConfig(env: Env, reader: SecretReader): Promise<FieldSyncConfig> {
  return parseEnvWithDatabaseUrl(schema, env, reader);
}

export function retentionPolicyOf(config: FieldSyncConfig): RetentionPolicy {
  return {
    syncLogDays: config.RETENTION_SYNC_LOG_DAYS,
    webhookEventDays: config.RETENTION_WEBHOOK_EVENT_DAYS,
    outboxDays: config.RETENTION_OUTBOX_DAYS,
    idempotencyKeyDays: config.RETENTION_IDEMPOTENCY_KEY_DAYS,
    batchRows: config.RETENTION_BATCH_ROWS,
    maxPassMs: config.RETENTION_MAX_PASS_MS,
  };
}
