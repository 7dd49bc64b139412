import os from 'node:os';
import { z } from 'zod';
import { hubspotClientEnvFields } from '../hubspot/client/config.js';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { envFields, parseEnv, type Env } from './parse-env.js';

/**
 * Settings of the field-sync worker and the outbox relay, read once per instance. The HubSpot
 * client's fields are its adapter's; the access token is a secret (HUBSPOT_ACCESS_TOKEN, or
 * HUBSPOT_ACCESS_TOKEN_SECRET naming a Secret Manager version), resolved apart from this schema.
 */
const schema = z.object({
  ...hubspotClientEnvFields,
  DATABASE_URL: envFields.postgresUrl,
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(50).default(5),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  OUTBOX_TOPIC: z.string().min(1).default(DEFAULT_OUTBOX_TOPIC),
  /** Other customers' pending changes a worker takes along (HubSpot history reads take 50 ids). */
  FIELD_SYNC_BATCH_CUSTOMERS: z.coerce.number().int().min(1).max(50).default(50),
  /** A claim older than this was abandoned by a crashed worker and may be taken again. */
  FIELD_SYNC_CLAIM_LEASE_MS: z.coerce.number().int().min(1000).default(120_000),
  /** Delay before another worker may take a row whose sync failed and is waiting for redelivery. */
  FIELD_SYNC_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(10_000),
  OUTBOX_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  OUTBOX_RELAY_LIMIT: z.coerce.number().int().min(1).max(1000).default(500),
  /** Claimed-then-dropped or failed rows untouched this long are republished by the relay. */
  OUTBOX_RELAY_STUCK_MS: z.coerce.number().int().min(1000).default(600_000),
  WORKER_ID: z.string().min(1).default(`${os.hostname()}:${process.pid}`),
});

export type FieldSyncConfig = z.output<typeof schema>;

export function loadFieldSyncConfig(env: Env = process.env): FieldSyncConfig {
  return parseEnv(schema, env);
}
