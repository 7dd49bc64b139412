import { z } from 'zod';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { hubspotConfigOf, hubspotEnvFields } from './hubspot-env.js';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf } from './runtime-env.js';
import { workerEnvFields } from './worker-env.js';

/** Settings of the inbound processor (functions/hubspot-inbound), read once per instance. */
const schema = z
  .object({
    ...workerEnvFields,
    ...hubspotEnvFields,
    /** Reads only: a token of the read-scoped private app (least privilege; field-sync alone writes). */
    HUBSPOT_READ_TOKEN: z.string(),
    /** Where RESYNC requests are published. */
    OUTBOX_TOPIC: envFields.topic(DEFAULT_OUTBOX_TOPIC),
    /** Must equal the webhook subscription's dead-letter maxDeliveryAttempts (5..100). */
    INBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(5).max(100).default(10),
  })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    hubspot: hubspotConfigOf(env, env.HUBSPOT_READ_TOKEN),
    outboxTopic: env.OUTBOX_TOPIC,
    inbound: { maxAttempts: env.INBOUND_MAX_ATTEMPTS },
  }));

export type InboundConfig = z.output<typeof schema>;

export const loadInboundConfig = configLoader({ secrets: ['DATABASE_URL', 'HUBSPOT_READ_TOKEN'], schema });
