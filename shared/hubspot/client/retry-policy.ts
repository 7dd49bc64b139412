/**
 * The retry policy around every HubSpot HTTP call (the official client's own
 * retries are off: it ignores policies and sleeps in-process only). Each
 * attempt first spends the shared budget, then:
 * - 429 TEN_SECONDLY_ROLLING: pause the shared budget for a whole window, so
 *   EVERY instance waits it out; then retry (bounded by maxRateLimitRetries).
 * - 429 SECONDLY (search): pause search for every instance for 1 s, retry.
 * - 429 DAILY: park every instance until the account's next midnight, throw HubspotDailyLimitError.
 * - 423 Locked: wait at least 2 s, retry.
 * - 5xx, 408, network errors, timeouts: exponential backoff with full jitter,
 *   at most maxAttempts attempts, then HubspotUnavailableError.
 * - 400/409 validation, 401/403, 404, other 4xx: never retried (typed error).
 */
import type { Logger } from '../../logging/logger.js';
import { DAILY_RESET_MARGIN_MS, nextDailyReset } from './daily-reset.js';
import { HubspotAuthError, HubspotDailyLimitError, HubspotUnavailableError } from './errors.js';
import { classifyFailure, HubspotCallTimeout, HubspotHttpFailure } from './failure.js';
import { definedOnly, type BudgetKind, type RateBudget } from './rate-budget.js';
import type { Clock } from '../../runtime/clock.js';

export interface RetryPolicyOptions {
  /** Attempts in total for 5xx/network/timeout/423 failures (default 5). */
  maxAttempts?: number;
  /** 429 window pauses before giving up (default 6, i.e. about a minute with 10 s windows). */
  maxRateLimitRetries?: number;
  /** Full jitter: delay = random() * min(maxDelayMs, baseDelayMs * 2^(failure-1)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** 423 Locked: HubSpot asks for at least 2 s. */
  lockedDelayMs?: number;
  /** 429 SECONDLY: pause search this long. */
  secondlyPauseMs?: number;
  /** 429 TEN_SECONDLY_ROLLING: pause this long; default the budget's api window. */
  rateLimitPauseMs?: number;
  /** 429 DAILY: every instance stays parked until the next midnight in this IANA zone (the account's; default UTC). */
  accountTimeZone?: string;
  /** Deadline of one HTTP call. */
  timeoutMs?: number;
}

export const RETRY_DEFAULTS = {
  maxAttempts: 5,
  maxRateLimitRetries: 6,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  lockedDelayMs: 2_000,
  secondlyPauseMs: 1_000,
  accountTimeZone: 'UTC',
  timeoutMs: 20_000,
} as const;

/** One HTTP attempt, for metrics: `outcome` is 'ok', the HTTP status, 'timeout' or 'network'. */
export interface HubspotCallEvent {
  operation: string;
  attempt: number;
  outcome: 'ok' | 'timeout' | 'network' | number;
  durationMs: number;
}

export interface RetryPolicyDeps {
  budget: RateBudget;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: Clock;
  onCall?: (event: HubspotCallEvent) => void;
}

export interface CallSpec {
  /** Names the call in logs and metrics, e.g. `batch.read`. */
  operation: string;
  kind?: BudgetKind;
}

export type HubspotCaller = <T>(spec: CallSpec, fn: () => Promise<T>) => Promise<T>;

/** The full-jitter backoff (AWS architecture blog) for the n-th consecutive failure, n >= 1. */
export function backoffDelayMs(failure: number, random: () => number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (failure - 1)));
}

export function createHubspotCaller(options: RetryPolicyOptions, deps: RetryPolicyDeps): HubspotCaller {
  const o = { ...RETRY_DEFAULTS, rateLimitPauseMs: deps.budget.windows.api.windowMs, ...definedOnly(options) };
  const { budget, logger } = deps;

  return async function call<T>(spec: CallSpec, fn: () => Promise<T>): Promise<T> {
    const kind = spec.kind ?? 'api';
    let failures = 0;
    let rateLimited = 0;
    for (let attempt = 1; ; attempt++) {
      await budget.acquire(1, kind);
      const startedAt = deps.now().getTime();
      try {
        const result = await withTimeout(fn, o.timeoutMs);
        deps.onCall?.({ operation: spec.operation, attempt, outcome: 'ok', durationMs: deps.now().getTime() - startedAt });
        return result;
      } catch (err) {
        deps.onCall?.({ operation: spec.operation, attempt, outcome: outcomeOf(err), durationMs: deps.now().getTime() - startedAt });
        const action = classifyFailure(err);
        if (!action) throw err;
        const fields = { operation: spec.operation, attempt, status: outcomeOf(err) };
        switch (action.kind) {
          case 'fatal':
            if (action.error instanceof HubspotAuthError) {
              logger.critical('HubSpot refused the access token; nothing syncs until it is fixed', {
                ...fields,
                detail: action.error.message,
              });
            }
            throw action.error;
          case 'rate-daily': {
            const now = deps.now().getTime();
            const resumeAt = nextDailyReset(now, o.accountTimeZone) + DAILY_RESET_MARGIN_MS;
            await budget.pause('DAILY', resumeAt - now, 'api');
            logger.critical('HubSpot daily API limit reached; every instance is parked', {
              ...fields,
              resumeAt: new Date(resumeAt).toISOString(),
              timeZone: o.accountTimeZone,
            });
            throw new HubspotDailyLimitError(action.message, new Date(resumeAt), action.info);
          }
          case 'rate-window':
          case 'rate-secondly': {
            if (++rateLimited > o.maxRateLimitRetries) {
              throw new HubspotUnavailableError(`HubSpot kept answering 429: ${action.message}`, attempt, action.info, { cause: err });
            }
            const windowLimit = action.kind === 'rate-window';
            const pauseMs = windowLimit ? o.rateLimitPauseMs : o.secondlyPauseMs;
            await budget.pause(windowLimit ? 'TEN_SECONDLY_ROLLING' : 'SECONDLY', pauseMs, windowLimit ? 'api' : 'search');
            logger.warn('HubSpot rate limit hit; every instance pauses', { ...fields, pauseMs });
            continue;
          }
          case 'locked':
          case 'transient': {
            if (++failures >= o.maxAttempts) {
              throw new HubspotUnavailableError(`HubSpot call failed ${failures} times: ${action.message}`, attempt, action.info, {
                cause: err,
              });
            }
            const backoff = backoffDelayMs(failures, deps.random, o.baseDelayMs, o.maxDelayMs);
            const delayMs = action.kind === 'locked' ? Math.max(o.lockedDelayMs, backoff) : backoff;
            logger.warn('HubSpot call failed; retrying', { ...fields, delayMs, detail: action.message });
            await deps.sleep(delayMs);
          }
        }
      }
    }
  };
}

function outcomeOf(err: unknown): HubspotCallEvent['outcome'] {
  if (err instanceof HubspotHttpFailure) return err.status;
  if (err instanceof HubspotCallTimeout) return 'timeout';
  return 'network';
}

/** Races the call against a timer; a late answer is ignored (writes are idempotent: batch update/upsert). */
async function withTimeout<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HubspotCallTimeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
