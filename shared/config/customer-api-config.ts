import { z } from 'zod';
import { ConfigError, envFields, parseEnv, type Env } from './parse-env.js';
import { readDatabaseUrl } from './database-url.js';
import { resolveSecret, type SecretReader } from './secrets.js';
import { LOCAL_DEV_JWT_SECRET } from '../auth/dev-secret.js';
import { DEFAULT_RECONCILE_TOPIC } from '../reconciliation/reconcile-request.js';
import { hubspotClientConfigFromEnv, hubspotClientEnvFields, type HubspotClientConfig } from '../hubspot/client/config.js';
import { RATE_BUDGET_DEFAULTS } from '../hubspot/client/rate-budget.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC } from './webhook-config.js';

const secretName = z.string().optional();
/** Catches a lifetime given in milliseconds while allowing any plausible hours-based one. */
const MAX_TOKEN_AGE_SECONDS = 90 * 24 * 3600;

/** Variables as set in the environment; secrets may come as NAME or NAME_SECRET (Secret Manager). */
export const customerApiEnvSchema = z.object({
  DATABASE_URL: z.string().optional(),
  DATABASE_URL_SECRET: secretName,
  JWT_SECRET: z.string().optional(),
  JWT_SECRET_SECRET: secretName,
  JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  JWT_ISSUER: z.string().min(1).default('warp-api-gateway'),
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** WARP's auth service sets its token lifetime in hours; tokens older than this (by iat) are refused. */
  JWT_MAX_TOKEN_AGE_SECONDS: z.coerce
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1)
    .max(MAX_TOKEN_AGE_SECONDS, 'must be at most 90 days (it is in seconds, not milliseconds)')
    .default(24 * 3600),
  CORS_ALLOWED_ORIGINS: envFields.csv,
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
  OUTBOX_TOPIC: z.string().min(1).default('warp-customer-changes'),
  /** Where POST /v1/sync/reconciliations queues its runs for the reconcile worker. */
  RECONCILE_TOPIC: z.string().min(1).default(DEFAULT_RECONCILE_TOPIC),
  /** Where POST /v1/sync/failures/retry republishes webhook events put back to work. */
  HUBSPOT_EVENTS_TOPIC: z.string().min(1).default(DEFAULT_HUBSPOT_EVENTS_TOPIC),
  /** The daily reconciliation's Cloud Scheduler job; unset (locally), GET /v1/sync/status shows no next run. */
  RECONCILE_SCHEDULER_JOB: z
    .string()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/, 'must be projects/<project>/locations/<region>/jobs/<job>')
    .optional(),
  /**
   * The HubSpot client of linking by hand (candidates, the company read before a link), on the
   * budget the workers share; GET /v1/sync/status reports the same key and window.
   */
  ...hubspotClientEnvFields,
  /** The read-scoped private app's token; unset, linking by hand answers 503. */
  HUBSPOT_READ_TOKEN: z.string().optional(),
  HUBSPOT_READ_TOKEN_SECRET: secretName,
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric HubSpot app id').optional(),
  /** One connection per concurrent request: Terraform sets it to the function's concurrency. */
  DATABASE_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(10),
  PORT: envFields.port(8080),
});

/** Where access tokens' keys come from: exactly one of a shared HS256 secret or a JWKS URL. */
export type JwtKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

export interface CustomerApiConfig {
  databaseUrl: string;
  jwt: { keys: JwtKeySource; issuer: string; audience?: string; maxTokenAgeSeconds: number };
  corsAllowedOrigins: string[];
  logLevel: z.output<typeof customerApiEnvSchema>['LOG_LEVEL'];
  projectId?: string;
  outboxTopic: string;
  reconcileTopic: string;
  hubspotEventsTopic: string;
  reconcileSchedulerJob?: string;
  rateBudget: { key: string; maxPerWindow: number; windowMs: number };
  /** Set when HUBSPOT_READ_TOKEN is: the read-only HubSpot access linking by hand needs. */
  hubspot?: { accessToken: string; client: HubspotClientConfig; appId?: string };
  databaseMaxConnections: number;
  port: number;
  /** Accepted but risky settings, for the caller to log once at start-up (never with values). */
  warnings: string[];
}

/**
 * RFC 7518 3.2 wants an HS256 key of at least the hash size. WARP's auth service owns the
 * secret and its tokens must verify whatever its length, so a shorter one is only warned about.
 */
const RECOMMENDED_SECRET_BYTES = 32;

/**
 * Reads the customer API's configuration once at start-up: env through zod,
 * then secrets (Secret Manager when NAME_SECRET is set). Throws ConfigError
 * naming every missing or bad variable; secret values never appear in it.
 */
export async function loadCustomerApiConfig(env: Env, secrets: SecretReader): Promise<CustomerApiConfig> {
  const vars = parseEnv(customerApiEnvSchema, env);
  const problems: string[] = [];
  const read = async (name: string) => {
    try {
      return await resolveSecret(env, name, secrets);
    } catch (err) {
      problems.push(`${name}_SECRET: ${(err as Error).message}`);
      return undefined;
    }
  };
  const database = await readDatabaseUrl(env, secrets);
  const jwtSecret = await read('JWT_SECRET');
  const hubspotReadToken = await read('HUBSPOT_READ_TOKEN');
  if (!database.ok) problems.push(database.problem);
  if (jwtSecret && vars.JWKS_URL) problems.push('JWT_SECRET / JWKS_URL: set exactly one, not both');
  if (!jwtSecret && !vars.JWKS_URL) problems.push('JWT_SECRET / JWKS_URL: one is required (or JWT_SECRET_SECRET)');
  // The local stack's secret is public: anyone could mint tokens for a deployment that used it.
  if (jwtSecret === LOCAL_DEV_JWT_SECRET && isDeployed(env)) {
    problems.push('JWT_SECRET: is the public local development secret; set the real one');
  }
  if (problems.length > 0 || !database.ok) throw new ConfigError(problems);
  // An empty JWT_SECRET reads as unset (resolveSecret), so it is refused above as missing.
  const warnings: string[] = [];
  if (jwtSecret && Buffer.byteLength(jwtSecret) < RECOMMENDED_SECRET_BYTES) {
    warnings.push(`JWT_SECRET is shorter than ${RECOMMENDED_SECRET_BYTES} bytes; RFC 7518 requires at least the hash size, rotate it`);
  }
  return {
    databaseUrl: database.url,
    jwt: {
      keys: jwtSecret ? { kind: 'secret', secret: jwtSecret } : { kind: 'jwks', url: vars.JWKS_URL! },
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
      maxTokenAgeSeconds: vars.JWT_MAX_TOKEN_AGE_SECONDS,
    },
    corsAllowedOrigins: vars.CORS_ALLOWED_ORIGINS,
    logLevel: vars.LOG_LEVEL,
    projectId: vars.GOOGLE_CLOUD_PROJECT,
    outboxTopic: vars.OUTBOX_TOPIC,
    reconcileTopic: vars.RECONCILE_TOPIC,
    hubspotEventsTopic: vars.HUBSPOT_EVENTS_TOPIC,
    reconcileSchedulerJob: vars.RECONCILE_SCHEDULER_JOB,
    rateBudget: {
      key: vars.HUBSPOT_BUDGET_KEY,
      maxPerWindow: vars.HUBSPOT_RATE_MAX_PER_WINDOW ?? RATE_BUDGET_DEFAULTS.maxPerWindow,
      windowMs: vars.HUBSPOT_RATE_WINDOW_MS ?? RATE_BUDGET_DEFAULTS.windowMs,
    },
    ...(hubspotReadToken ? { hubspot: { accessToken: hubspotReadToken, client: hubspotClientConfigFromEnv(vars), appId: vars.HUBSPOT_APP_ID } } : {}),
    databaseMaxConnections: vars.DATABASE_MAX_CONNECTIONS,
    port: vars.PORT,
    warnings,
  };
}

/** Cloud Functions gen2 / Cloud Run set K_SERVICE; NODE_ENV=production marks other deployments. */
function isDeployed(env: Env): boolean {
  return Boolean(env.K_SERVICE) || env.NODE_ENV === 'production';
}
