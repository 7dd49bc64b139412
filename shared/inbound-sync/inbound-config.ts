import { z } from 'zod';
import { envFields, parseEnv, type Env } from '../config/parse-env.js';
import { hubspotClientEnvFields } from '../hubspot/client/config.js';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';

/**
 * Settings of the inbound processor (functions/hubspot-inbound), read once per instance. The
 * HubSpot access token is a secret (HUBSPOT_ACCESS_TOKEN, or HUBSPOT_ACCESS_TOKEN_SECRET naming a
 * Secret Manager version), resolved apart from this schema.
 */
const schema = z.object({
  ...hubspotClientEnvFields,
  DATABASE_URL: envFields.postgresUrl,
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(2).max(50).default(5),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  /** Where RESYNC requests are published: the outbound worker's topic. */
  OUTBOX_TOPIC: z.string().min(1).default(DEFAULT_OUTBOX_TOPIC),
  /** Must equal the webhook subscription's dead-letter maxDeliveryAttempts (5..100). */
  INBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(5).max(100).default(10),
});

export type InboundConfig = z.output<typeof schema>;

export function loadInboundConfig(env: Env = process.env): InboundConfig {
  return parseEnv(schema, env);
}
