import { z } from 'zod';
import { DEFAULT_OUTBOX_TOPIC } from '../outbox/outbox-message.js';
import { DEFAULT_RECONCILE_TOPIC } from '../reconciliation/reconcile-request.js';
import { RATE_BUDGET_DEFAULTS } from '../hubspot/client/rate-budget.js';
import { hubspotConfigOf, hubspotEnvFields } from './hubspot-env.js';
import { checkJwtKeySource, jwtConfigOf, jwtEnvFields, jwtWarnings } from './jwt-env.js';
import { configLoader } from './load-config.js';
import { envFields } from './parse-env.js';
import { runtimeConfigOf, runtimeEnvFields } from './runtime-env.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC } from './webhook-config.js';

/** Settings of the customer API (functions/customer-api), read once per instance. */
const schema = z
  .object({
    ...runtimeEnvFields,
    /** One connection per concurrent request: Terraform sets it to the function's concurrency. */
    DATABASE_MAX_CONNECTIONS: envFields.poolSize(10),
    ...jwtEnvFields,
    CORS_ALLOWED_ORIGINS: envFields.csv,
    OUTBOX_TOPIC: envFields.topic(DEFAULT_OUTBOX_TOPIC),
    /** Where POST /v1/sync/reconciliations queues its runs for the reconcile worker. */
    RECONCILE_TOPIC: envFields.topic(DEFAULT_RECONCILE_TOPIC),
    /** Where POST /v1/sync/failures/retry republishes webhook events put back to work. */
    HUBSPOT_EVENTS_TOPIC: envFields.topic(DEFAULT_HUBSPOT_EVENTS_TOPIC),
    /** The daily reconciliation's Cloud Scheduler job; unset (locally), GET /v1/sync/status shows no next run. */
    RECONCILE_SCHEDULER_JOB: z
      .string()
      .regex(/^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/, 'must be projects/<project>/locations/<region>/jobs/<job>')
      .optional(),
    /**
     * The HubSpot client of linking by hand (candidates, the company read before a link), on the
     * budget the workers share; GET /v1/sync/status reports the same key and window.
     */
    ...hubspotEnvFields,
    /** The read-scoped private app's token; unset, linking by hand answers 503. */
    HUBSPOT_READ_TOKEN: z.string().optional(),
    PORT: envFields.port(8080),
  })
  // Also when other variables are bad, so one start-up names every problem.
  .superRefine(checkJwtKeySource, { when: () => true })
  .transform((env) => ({
    ...runtimeConfigOf(env),
    jwt: jwtConfigOf(env),
    corsAllowedOrigins: env.CORS_ALLOWED_ORIGINS,
    outboxTopic: env.OUTBOX_TOPIC,
    reconcileTopic: env.RECONCILE_TOPIC,
    hubspotEventsTopic: env.HUBSPOT_EVENTS_TOPIC,
    reconcileSchedulerJob: env.RECONCILE_SCHEDULER_JOB,
    rateBudget: {
      key: env.HUBSPOT_BUDGET_KEY,
      maxPerWindow: env.HUBSPOT_RATE_MAX_PER_WINDOW ?? RATE_BUDGET_DEFAULTS.maxPerWindow,
      windowMs: env.HUBSPOT_RATE_WINDOW_MS ?? RATE_BUDGET_DEFAULTS.windowMs,
    },
    /** Set when HUBSPOT_READ_TOKEN is: the read-only HubSpot access linking by hand needs. */
    hubspot: env.HUBSPOT_READ_TOKEN ? hubspotConfigOf(env, env.HUBSPOT_READ_TOKEN) : undefined,
    port: env.PORT,
    /** Accepted but risky settings, for the caller to log once at start-up (never with values). */
    warnings: jwtWarnings(env),
  }));

export type CustomerApiConfig = z.output<typeof schema>;

export const loadCustomerApiConfig = configLoader({ secrets: ['DATABASE_URL', 'JWT_SECRET', 'HUBSPOT_READ_TOKEN'], schema });
