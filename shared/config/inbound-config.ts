import { z } from 'zod';
import { parseEnvWithDatabaseUrl } from './database-url.js';
import type { Env } from './parse-env.js';
import type { SecretReader } from './secrets.js';
import { workerEnvFields } from './worker-env.js';

/**
 * Settings of the inbound processor (functions/hubspot-inbound), read once per instance. Secrets
 * are resolved apart from this schema: DATABASE_URL (or DATABASE_URL_SECRET) by the loader,
 * HUBSPOT_ACCESS_TOKEN (or HUBSPOT_ACCESS_TOKEN_SECRET) by the function's deps.
 */
const schema = z.object({
  /** OUTBOX_TOPIC among them: where RESYNC requests are published. */
  ...workerEnvFields,
  /** Must equal the webhook subscription's dead-letter maxDeliveryAttempts (5..100). */
  INBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(5).max(100).default(10),
});

export type InboundConfig = z.output<typeof schema> & { DATABASE_URL: string };

export function loadInboundConfig(env: Env, reader: SecretReader): Promise<InboundConfig> {
  return parseEnvWithDatabaseUrl(schema, env, reader);
}
