import { z } from 'zod';
import { configLoader } from './load-config.js';
import { hubspotReaderConfigOf, hubspotReaderEnvFields, hubspotReaderSecrets } from './worker-env.js';

/** Settings of the inbound processor (functions/hubspot-inbound), read once per instance. */
const schema = z
  .object({
    ...hubspotReaderEnvFields,
    /** Must equal the webhook subscription's dead-letter maxDeliveryAttempts (5..100). */
    INBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(5).max(100).default(10),
  })
  .transform((env) => ({
    ...hubspotReaderConfigOf(env),
    inbound: { maxAttempts: env.INBOUND_MAX_ATTEMPTS },
  }));

export type InboundConfig = z.output<typeof schema>;

export const loadInboundConfig = configLoader({ secrets: hubspotReaderSecrets, schema });
