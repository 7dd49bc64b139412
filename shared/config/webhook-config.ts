import { z } from 'zod';
import type { SignatureVersion } from '../hubspot/webhook-signature.js';
import { ConfigError, envFields, parseEnv, type Env } from './parse-env.js';
import { readDatabaseUrl } from './database-url.js';
import { resolveSecret, type SecretReader } from './secrets.js';

/**
 * HubSpot batches at most 100 events per request, each a flat object of a few hundred bytes
 * (tens of KiB in all): anything near 1 MiB is not HubSpot. Also the ceiling for
 * WEBHOOK_MAX_BODY_BYTES, since the framework hook refuses larger bodies before reading them.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_HUBSPOT_EVENTS_TOPIC = 'hubspot-webhook-events';

const signatureVersions = envFields.csv
  .transform((values) => (values.length === 0 ? ['v3'] : values.map((v) => v.toLowerCase())))
  .pipe(z.array(z.enum(['v1', 'v2', 'v3'])).min(1));

/**
 * The exact target URL configured in HubSpot. v3/v2 signatures cover it, so the
 * intake rebuilds the signed URI from here, never from Host/X-Forwarded-* headers.
 * The request's own query string is appended, so the base carries none.
 */
const publicUrl = z
  .url({ protocol: /^https?$/, error: 'must be the absolute http(s) URL configured as the HubSpot webhook target' })
  .refine((value) => !value.includes('?') && !value.includes('#'), 'must not contain a query string or fragment');

const webhookEnvSchema = z.object({
  WEBHOOK_PUBLIC_URL: publicUrl,
  WEBHOOK_SIGNATURE_VERSIONS: signatureVersions,
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(DEFAULT_MAX_BODY_BYTES).default(DEFAULT_MAX_BODY_BYTES),
  HUBSPOT_EVENTS_TOPIC: z.string().regex(/^[A-Za-z][-\w.~+%]{2,254}$/, 'must be a Pub/Sub topic id').default(DEFAULT_HUBSPOT_EVENTS_TOPIC),
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
});

export interface WebhookConfig {
  publicUrl: string;
  acceptedVersions: SignatureVersion[];
  maxBodyBytes: number;
  topic: string;
  dbMaxConnections: number;
  logLevel: z.output<typeof envFields.logLevel>;
  projectId?: string;
}

/** Secrets live apart from the config so they never end up in a message or a log field. */
export interface WebhookSecrets {
  clientSecret: string;
  databaseUrl: string;
}

export function loadWebhookConfig(env: Env): WebhookConfig {
  const parsed = parseEnv(webhookEnvSchema, env);
  return {
    publicUrl: parsed.WEBHOOK_PUBLIC_URL,
    acceptedVersions: [...new Set(parsed.WEBHOOK_SIGNATURE_VERSIONS)],
    maxBodyBytes: parsed.WEBHOOK_MAX_BODY_BYTES,
    topic: parsed.HUBSPOT_EVENTS_TOPIC,
    dbMaxConnections: parsed.DATABASE_MAX_CONNECTIONS,
    logLevel: parsed.LOG_LEVEL,
    projectId: parsed.GOOGLE_CLOUD_PROJECT,
  };
}

/** HUBSPOT_CLIENT_SECRET and DATABASE_URL: Secret Manager in production (NAME_SECRET), env locally. */
export async function loadWebhookSecrets(env: Env, reader: SecretReader): Promise<WebhookSecrets> {
  const [clientSecret, database] = await Promise.all([resolveSecret(env, 'HUBSPOT_CLIENT_SECRET', reader), readDatabaseUrl(env, reader)]);
  const problems: string[] = [];
  if (!clientSecret) problems.push('HUBSPOT_CLIENT_SECRET (or HUBSPOT_CLIENT_SECRET_SECRET) is required');
  if (!database.ok) problems.push(database.problem);
  if (problems.length > 0 || !clientSecret || !database.ok) throw new ConfigError(problems);
  return { clientSecret, databaseUrl: database.url };
}
