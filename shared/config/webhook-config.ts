import { z } from 'zod';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf, runtimeEnvFields } from './runtime-env.js';

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

/** Settings of the webhook intake (functions/hubspot-webhook), read once per instance. */
const schema = z
  .object({
    ...runtimeEnvFields,
    DATABASE_MAX_CONNECTIONS: envFields.poolSize(5),
    /** The HubSpot app's client secret: the key of its request signatures. */
    HUBSPOT_CLIENT_SECRET: z.string(),
    WEBHOOK_PUBLIC_URL: publicUrl,
    WEBHOOK_SIGNATURE_VERSIONS: signatureVersions,
    WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(DEFAULT_MAX_BODY_BYTES).default(DEFAULT_MAX_BODY_BYTES),
    HUBSPOT_EVENTS_TOPIC: envFields.topic(DEFAULT_HUBSPOT_EVENTS_TOPIC),
  })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    hubspotEventsTopic: env.HUBSPOT_EVENTS_TOPIC,
    webhook: {
      clientSecret: env.HUBSPOT_CLIENT_SECRET,
      publicUrl: env.WEBHOOK_PUBLIC_URL,
      acceptedVersions: [...new Set(env.WEBHOOK_SIGNATURE_VERSIONS)],
      maxBodyBytes: env.WEBHOOK_MAX_BODY_BYTES,
    },
  }));

export type WebhookConfig = z.output<typeof schema>;

export const loadWebhookConfig = configLoader({ secrets: ['DATABASE_URL', 'HUBSPOT_CLIENT_SECRET'], schema });
