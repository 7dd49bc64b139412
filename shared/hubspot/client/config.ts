/**
 * Environment fields of the HubSpot client, for the functions' env schemas
 * (`z.object({ ...hubspotClientEnvFields, ... })`). The access token is a
 * secret: resolve it with shared/config/secrets.ts, not from this schema.
 */
import { z } from 'zod';
import { isTimeZone } from './daily-reset.js';
import type { RateBudgetOptions } from './rate-budget.js';
import type { RetryPolicyOptions } from './retry-policy.js';

const positiveInt = z.coerce.number().int().positive().optional();

export const hubspotClientEnvFields = {
  /** Sandbox URL locally and in tests; unset = HubSpot. */
  HUBSPOT_BASE_PATH: z.url().optional(),
  /** One budget per HubSpot app: every instance using the same token must share the key. */
  HUBSPOT_BUDGET_KEY: z.string().min(1).default('default'),
  /**
   * The shared budget (rate-budget.ts explains the margin): calls per HubSpot window, the tier's
   * limit (default Free/Starter's 100; Professional allows 190), HubSpot's window (default 10000)
   * and the guard reservations are counted over in addition (default 500 ms).
   */
  HUBSPOT_RATE_MAX_PER_WINDOW: positiveInt,
  HUBSPOT_RATE_WINDOW_MS: positiveInt,
  HUBSPOT_RATE_GUARD_MS: z.coerce.number().int().min(0).optional(),
  HUBSPOT_SEARCH_MAX_PER_SECOND: positiveInt,
  HUBSPOT_MAX_ATTEMPTS: positiveInt,
  HUBSPOT_TIMEOUT_MS: positiveInt,
  HUBSPOT_MAX_BUDGET_WAIT_MS: positiveInt,
  /** The portal's time zone (Settings > Account defaults): its daily API limit resets at midnight there. */
  HUBSPOT_ACCOUNT_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York').default('UTC'),
};

export type HubspotClientEnv = z.output<z.ZodObject<typeof hubspotClientEnvFields>>;

export interface HubspotClientConfig {
  basePath?: string;
  budget: RateBudgetOptions;
  retry: RetryPolicyOptions;
}

export function hubspotClientConfigFromEnv(env: HubspotClientEnv): HubspotClientConfig {
  return {
    basePath: env.HUBSPOT_BASE_PATH,
    budget: {
      key: env.HUBSPOT_BUDGET_KEY,
      maxPerWindow: env.HUBSPOT_RATE_MAX_PER_WINDOW,
      windowMs: env.HUBSPOT_RATE_WINDOW_MS,
      guardMs: env.HUBSPOT_RATE_GUARD_MS,
      searchMaxPerWindow: env.HUBSPOT_SEARCH_MAX_PER_SECOND,
      maxWaitMs: env.HUBSPOT_MAX_BUDGET_WAIT_MS,
    },
    retry: { maxAttempts: env.HUBSPOT_MAX_ATTEMPTS, timeoutMs: env.HUBSPOT_TIMEOUT_MS, accountTimeZone: env.HUBSPOT_ACCOUNT_TIME_ZONE },
  };
}
