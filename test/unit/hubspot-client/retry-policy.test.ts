import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HubspotAuthError,
  HubspotDailyLimitError,
  HubspotNotFoundError,
  HubspotUnavailableError,
  HubspotValidationError,
} from '../../../shared/hubspot/client/errors.js';
import { HubspotHttpFailure } from '../../../shared/hubspot/client/failure.js';
import type { BudgetKind, RateBudget } from '../../../shared/hubspot/client/rate-budget.js';
import {
  backoffDelayMs,
  createHubspotCaller,
  type HubspotCallEvent,
  type RetryPolicyOptions,
} from '../../../shared/hubspot/client/retry-policy.js';
import type { RateBlockReason } from '../../../shared/db/tables/hubspot-rate-budget.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { systemClock } from '../../../shared/runtime/clock.js';

/** A budget that records what the policy asked of it; the Postgres one is tested in integration. */
function fakeBudget() {
  const acquired: BudgetKind[] = [];
  const pauses: Array<{ reason: RateBlockReason; forMs: number; kind: BudgetKind }> = [];
  const budget: RateBudget = {
    windows: { api: { max: 20, windowMs: 2_000 }, search: { max: 4, windowMs: 1_000 } },
    acquire: async (_n = 1, kind = 'api') => void acquired.push(kind),
    pause: async (reason, forMs, kind = 'api') => void pauses.push({ reason, forMs, kind }),
    recordDailyUsage: async () => undefined,
  };
  return { budget, acquired, pauses };
}

/** Answers from a script: an HTTP status (failure), 'ok', or an Error to throw. */
function harness(
  script: Array<number | 'ok' | Error | { status: number; body: unknown }>,
  options: RetryPolicyOptions = {},
  random = () => 0.5,
) {
  const { budget, acquired, pauses } = fakeBudget();
  const { logger, lines } = createMemoryLogger();
  const sleeps: number[] = [];
  const calls: HubspotCallEvent[] = [];
  let clock = 0;
  const call = createHubspotCaller(
    { baseDelayMs: 100, maxDelayMs: 1_000, ...options },
    {
      budget,
      logger,
      random,
      now: () => new Date(clock),
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      onCall: (e) => calls.push(e),
    },
  );
  let i = 0;
  const fn = async () => {
    const step = script[Math.min(i++, script.length - 1)];
    if (step === 'ok') return 'result';
    if (step instanceof Error) throw step;
    if (typeof step === 'number') throw new HubspotHttpFailure(step, { status: 'error', message: `status ${step}` }, {});
    throw new HubspotHttpFailure(step!.status, step!.body, {});
  };
  return { run: () => call({ operation: 'test.op' }, fn), sleeps, calls, acquired, pauses, lines, attempts: () => i };
}

const rateLimitBody = (policyName: string) => ({
  status: 429,
  body: { status: 'error', message: `You have reached your ${policyName.toLowerCase()} limit.`, errorType: 'RATE_LIMIT', policyName },
});

describe('retry policy', () => {
  it('spends one budget slot per attempt and returns the first success', async () => {
    const h = harness(['ok']);
    await expect(h.run()).resolves.toBe('result');
    expect(h.acquired).toEqual(['api']);
    expect(h.calls.map((c) => c.outcome)).toEqual(['ok']);
    expect(h.sleeps).toEqual([]);
  });

  it.each([500, 502, 503, 504, 524, 408])('retries %i with backoff and then succeeds', async (status) => {
    const h = harness([status, status, 'ok']);
    await expect(h.run()).resolves.toBe('result');
    expect(h.attempts()).toBe(3);
    expect(h.acquired).toHaveLength(3);
    // random = 0.5: half of base * 2^(n-1)
    expect(h.sleeps).toEqual([50, 100]);
    expect(h.calls.map((c) => c.outcome)).toEqual([status, status, 'ok']);
  });

  it('gives up after maxAttempts with a retryable HubspotUnavailableError', async () => {
    const h = harness([503], { maxAttempts: 4 });
    const err = await h.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotUnavailableError);
    expect((err as HubspotUnavailableError).retryable).toBe(true);
    expect((err as HubspotUnavailableError).attempts).toBe(4);
    expect(h.attempts()).toBe(4);
    expect(h.sleeps).toHaveLength(3);
  });

  it('retries network errors and timeouts the same way', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const fetchError = Object.assign(new Error('request failed'), { name: 'FetchError' });
    const h = harness([reset, fetchError, 'ok']);
    await expect(h.run()).resolves.toBe('result');
    expect(h.calls.map((c) => c.outcome)).toEqual(['network', 'network', 'ok']);

    const { budget } = fakeBudget();
    let n = 0;
    const slowOnce = createHubspotCaller(
      { timeoutMs: 20, baseDelayMs: 1 },
      { budget, logger: createMemoryLogger().logger, random: () => 0, now: systemClock, sleep: async () => undefined },
    );
    const result = await slowOnce({ operation: 'slow' }, () =>
      n++ === 0 ? new Promise<string>(() => undefined) : Promise.resolve('late ok'),
    );
    expect(result).toBe('late ok');
    expect(n).toBe(2);
  });

  it('does not retry errors that are not HubSpot or network failures (bugs propagate)', async () => {
    const h = harness([new TypeError('x is undefined')]);
    await expect(h.run()).rejects.toBeInstanceOf(TypeError);
    expect(h.attempts()).toBe(1);
  });

  it('waits at least 2 s on 423 Locked even when the backoff is shorter', async () => {
    const h = harness([423, 423, 'ok'], { lockedDelayMs: 2_000 });
    await expect(h.run()).resolves.toBe('result');
    expect(h.sleeps).toEqual([2_000, 2_000]);
  });

  it('on 429 TEN_SECONDLY_ROLLING pauses the SHARED budget for a window instead of sleeping locally', async () => {
    const h = harness([rateLimitBody('TEN_SECONDLY_ROLLING'), 'ok']);
    await expect(h.run()).resolves.toBe('result');
    expect(h.pauses).toEqual([{ reason: 'TEN_SECONDLY_ROLLING', forMs: 2_000, kind: 'api' }]);
    expect(h.sleeps).toEqual([]);
    expect(h.acquired).toHaveLength(2);
  });

  it('treats a 429 without a policy name as the rolling window', async () => {
    const h = harness([429, 'ok']);
    await h.run();
    expect(h.pauses.map((p) => p.reason)).toEqual(['TEN_SECONDLY_ROLLING']);
  });

  it('bounds 429 storms by maxRateLimitRetries', async () => {
    const h = harness([rateLimitBody('TEN_SECONDLY_ROLLING')], { maxRateLimitRetries: 3 });
    await expect(h.run()).rejects.toBeInstanceOf(HubspotUnavailableError);
    expect(h.attempts()).toBe(4);
    expect(h.pauses).toHaveLength(3);
  });

  it('on 429 SECONDLY pauses search for one second', async () => {
    const h = harness([rateLimitBody('SECONDLY'), 'ok']);
    await h.run();
    expect(h.pauses).toEqual([{ reason: 'SECONDLY', forMs: 1_000, kind: 'search' }]);
  });

  it("on 429 DAILY parks every instance until a minute past the account's midnight and throws HubspotDailyLimitError", async () => {
    // The harness clock starts at 0: 1970-01-01T00:00Z, i.e. 19:00 on Dec 31 in New York.
    const h = harness([rateLimitBody('DAILY'), 'ok'], { accountTimeZone: 'America/New_York' });
    const err = await h.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotDailyLimitError);
    expect((err as HubspotDailyLimitError).retryable).toBe(true);
    expect((err as HubspotDailyLimitError).pausedUntil).toEqual(new Date('1970-01-01T05:01:00Z'));
    expect(h.attempts()).toBe(1);
    expect(h.pauses).toEqual([{ reason: 'DAILY', forMs: 5 * 3_600_000 + 60_000, kind: 'api' }]);
    expect(h.lines.some((l) => l.severity === 'CRITICAL')).toBe(true);
  });

  it('never retries a 400 and carries HubSpot message, category and property names', async () => {
    const h = harness([
      {
        status: 400,
        body: {
          status: 'error',
          message:
            'Property values were not valid: [{"isValid":false,"message":"NOPE was not ' +
            'one of the allowed options","error":"INVALID_OPTION","name":"warp_status"}]',
          category: 'VALIDATION_ERROR',
          correlationId: 'c-1',
          errors: [
            {
              message: 'NOPE was not one of the allowed options',
              code: 'INVALID_OPTION',
              in: 'inputs[0].properties.warp_status',
              context: { propertyName: ['warp_status'] },
            },
          ],
        },
      },
    ]);
    const err = (await h.run().catch((e: unknown) => e)) as HubspotValidationError;
    expect(err).toBeInstanceOf(HubspotValidationError);
    expect(err.retryable).toBe(false);
    expect(err.category).toBe('VALIDATION_ERROR');
    expect(err.correlationId).toBe('c-1');
    expect(err.message).toContain('Property values were not valid');
    expect(err.propertyNames).toEqual(['warp_status']);
    expect(err.details[0]?.code).toBe('INVALID_OPTION');
    expect(h.attempts()).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('derives property names from the message when HubSpot gives no details', () => {
    const err = new HubspotValidationError('Property values were not valid: [{"isValid":false,"name":"warp_payment_terms"}]');
    expect(err.propertyNames).toEqual(['warp_payment_terms']);
  });

  it.each([401, 403])('throws HubspotAuthError on %i at once and logs CRITICAL', async (status) => {
    const h = harness([status, 'ok']);
    await expect(h.run()).rejects.toBeInstanceOf(HubspotAuthError);
    expect(h.attempts()).toBe(1);
    expect(h.lines.filter((l) => l.severity === 'CRITICAL')).toHaveLength(1);
  });

  it('throws HubspotNotFoundError on 404 without retrying', async () => {
    const h = harness([404, 'ok']);
    await expect(h.run()).rejects.toBeInstanceOf(HubspotNotFoundError);
    expect(h.attempts()).toBe(1);
  });

  it('classifies a 502 whose body is an HTML page', async () => {
    const h = harness([{ status: 502, body: '<html>Bad gateway</html>' }, 'ok']);
    await expect(h.run()).resolves.toBe('result');
  });
});

describe('full-jitter backoff', () => {
  it('stays in [0, min(cap, base * 2^(n-1))) for any random in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const ceiling = Math.min(5_000, 200 * 2 ** (n - 1));
        const d = backoffDelayMs(n, () => r, 200, 5_000);
        return d >= 0 && d < ceiling;
      }),
    );
  });

  it('grows exponentially until the cap', () => {
    const top = (n: number) => backoffDelayMs(n, () => 0.999999, 100, 1_000);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelayMs(3, () => 0, 100, 1_000)).toBe(0);
  });
});
