import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../shared/db/database.js';
import { HubspotBudgetTimeoutError, HubspotDailyLimitError } from '../../../shared/hubspot/client/errors.js';
import { createPostgresRateBudget, type RateBudgetOptions } from '../../../shared/hubspot/client/rate-budget.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { maxInAnyWindow } from './window.js';
import { systemClock } from '../../../shared/runtime/clock.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

interface Reserve {
  granted: boolean;
  wait_ms: number;
  blocked_reason: string | null;
}

/** Calls the SQL function with an explicit clock, so window arithmetic is checked exactly. */
async function reserveAt(bucket: string, nowMs: number, n = 1, max = 3, windowMs = 1_000): Promise<Reserve> {
  const { rows } =
    await sql<Reserve>`SELECT * FROM hubspot_rate_reserve(${bucket}, ${n}::int, ${max}::int, ${windowMs}::int, ${nowMs}::bigint)`.execute(
      t.db,
    );
  return rows[0]!;
}

const budgetFor = (db: Db, options: RateBudgetOptions, grants?: number[]) =>
  createPostgresRateBudget(options, {
    db,
    sleep: (ms) => sleep(ms),
    random: Math.random,
    now: systemClock,
    onGrant: grants ? () => grants.push(Date.now()) : undefined,
  });

describe('hubspot_rate_reserve (the SQL)', () => {
  it('grants up to max in the rolling window, then says exactly how long to wait', async () => {
    const base = 1_700_000_000_000;
    expect((await reserveAt('w', base)).granted).toBe(true);
    expect((await reserveAt('w', base + 100)).granted).toBe(true);
    expect((await reserveAt('w', base + 200)).granted).toBe(true);
    const refused = await reserveAt('w', base + 300);
    expect(refused).toEqual({ granted: false, wait_ms: 701, blocked_reason: null });
    // The oldest stamp (base) leaves the window at base + 1000.
    expect((await reserveAt('w', base + 999)).granted).toBe(false);
    expect((await reserveAt('w', base + 1_000)).granted).toBe(true);
    expect((await reserveAt('w', base + 1_050)).granted).toBe(false);
  });

  it('reserves a batch of n only when all n fit', async () => {
    const base = 1_700_000_100_000;
    expect((await reserveAt('n', base, 2)).granted).toBe(true);
    const refused = await reserveAt('n', base + 10, 2);
    expect(refused.granted).toBe(false);
    expect(refused.wait_ms).toBe(991);
    expect((await reserveAt('n', base + 10, 1)).granted).toBe(true);
  });

  it('cleans itself: the row keeps only stamps still inside the window', async () => {
    const base = 1_700_000_200_000;
    for (let i = 0; i < 30; i++) await reserveAt('clean', base + i * 400);
    const row = await t.db.selectFrom('hubspot_rate_budget').selectAll().where('bucket', '=', 'clean').executeTakeFirstOrThrow();
    expect(row.reserved_at_ms.length).toBeLessThanOrEqual(3);
    expect(row.reserved_at_ms.map(Number).every((ms) => ms > base + 29 * 400 - 1_000)).toBe(true);
  });

  it('refuses n outside 1..max', async () => {
    await expect(reserveAt('bad', 0, 4, 3)).rejects.toThrow(/between 1 and max/);
  });
});

describe('the Postgres rate budget', () => {
  it('a pause stops every instance until it ends', async () => {
    const one = budgetFor(t.db, { key: 'pause', maxPerWindow: 50, windowMs: 1_000 });
    const two = budgetFor(t.db, { key: 'pause', maxPerWindow: 50, windowMs: 1_000 });
    await one.pause('TEN_SECONDLY_ROLLING', 300);
    const started = Date.now();
    await two.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('a DAILY pause makes every instance throw HubspotDailyLimitError without calling HubSpot', async () => {
    const one = budgetFor(t.db, { key: 'daily' });
    const two = budgetFor(t.db, { key: 'daily' });
    await one.pause('DAILY', 60_000);
    const err = await two.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotDailyLimitError);
    expect((err as HubspotDailyLimitError).pausedUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    // A shorter rolling-window pause does not shorten the daily one.
    await one.pause('TEN_SECONDLY_ROLLING', 1_000);
    await expect(two.acquire()).rejects.toBeInstanceOf(HubspotDailyLimitError);
  });

  it('counts reservations over the window plus the guard', async () => {
    const budget = budgetFor(t.db, { key: 'guard', maxPerWindow: 2, windowMs: 300, guardMs: 200 });
    expect(budget.windows.api).toEqual({ max: 2, windowMs: 500 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) await budget.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
  });

  it('gives up with a retryable error when no slot frees within maxWaitMs', async () => {
    const budget = budgetFor(t.db, { key: 'timeout', maxPerWindow: 1, windowMs: 5_000, maxWaitMs: 200 });
    await budget.acquire();
    const err = await budget.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubspotBudgetTimeoutError);
    expect((err as HubspotBudgetTimeoutError).retryable).toBe(true);
  });

  it('search spends both the search and the api buckets', async () => {
    const budget = budgetFor(t.db, { key: 'search', maxPerWindow: 10, windowMs: 1_000, searchMaxPerWindow: 2, searchWindowMs: 500 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) await budget.acquire(1, 'search');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const rows = await t.db
      .selectFrom('hubspot_rate_budget')
      .select(['bucket', 'reserved_at_ms'])
      .where('bucket', 'like', 'search:%')
      .execute();
    const stamps = Object.fromEntries(rows.map((r) => [r.bucket, r.reserved_at_ms.length]));
    expect(stamps['search:api']).toBe(3);
    // The third search waited for the first stamp to leave; the second may have left too.
    expect(stamps['search:search']).toBeGreaterThanOrEqual(1);
    expect(stamps['search:search']).toBeLessThanOrEqual(2);
  });

  it('instances on separate connections never exceed the window together, and all make progress', async () => {
    const max = 10;
    const windowMs = 1_000;
    const pools = Array.from({ length: 4 }, () => createDb({ connectionString: t.url, maxConnections: 2 }));
    const grants: number[] = [];
    const perInstance = await Promise.all(
      pools.map(async (db) => {
        const budget = budgetFor(db, { key: 'concurrent', maxPerWindow: max, windowMs, guardMs: 0 }, grants);
        let done = 0;
        // Two concurrent callers per instance, like overlapping invocations.
        await Promise.all(
          [0, 1].map(async () => {
            for (let i = 0; i < 4; i++) {
              await budget.acquire();
              done++;
            }
          }),
        );
        return done;
      }),
    );
    await Promise.all(pools.map((db) => db.destroy()));
    expect(perInstance).toEqual([8, 8, 8, 8]);
    // Grants are observed after the database stamped them, late by up to a scheduling delay on a
    // busy two-core runner; a budget that did not hold would put all 32 inside a few milliseconds.
    const observationJitterMs = 250;
    expect(maxInAnyWindow(grants, windowMs - observationJitterMs)).toBeLessThanOrEqual(max);
    // 32 calls at 10 per second cannot finish in under ~3 windows, and should not take much longer.
    const span = Math.max(...grants) - Math.min(...grants);
    expect(span).toBeGreaterThanOrEqual(2 * windowMs - observationJitterMs);
    expect(span).toBeLessThan(5 * windowMs);
  });
});
