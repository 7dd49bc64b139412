/**
 * ONE HubSpot rate budget for every instance of every function: they all spend
 * the same private app's calls, so the count lives in PostgreSQL (sql/0005),
 * not in process memory. A reservation is one short statement that locks the
 * bucket's row, drops stamps older than the window and either stamps the new
 * calls or answers how long to wait; waiting is an async sleep, never a held lock.
 *
 * The safety margin is TIME, not count. The budget stamps a call when it is
 * reserved; HubSpot counts it when it arrives, a variable delay later. Under
 * load every freed slot is taken again at once, so a reservation is stamped
 * ~1 ms after the one it replaces left the window: any spread in arrival
 * delays then puts both into one HubSpot window (at 95 of 100 per 10 s, the
 * sandbox saw 98 in one window: 3 of the 5 spare calls). Counting reservations
 * over HubSpot's window plus a guard G instead makes it exact: a call reserved
 * at r arrives in [r + d, r + d + G] when delays spread by at most G, so the
 * calls HubSpot sees in any of its windows were reserved within window + G,
 * and there are at most max of those. A guard costs G / (window + G) of the
 * throughput (500 ms: 4.8%). So max is HubSpot's whole limit: a count margin
 * only helps against calls the budget does not see, and those come in unknown
 * numbers (the ~15 calls of `hubspot:setup` alone exceed any small margin);
 * a 429 they cause is what the retry policy's shared pause is for.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { RateBlockReason } from '../../db/tables/hubspot-rate-budget.js';
import { HubspotBudgetTimeoutError, HubspotDailyLimitError } from './errors.js';
import type { Clock } from '../../runtime/clock.js';

/** `api`: the rolling 10-second window every call spends; `search`: CRM search's own per-second limit. */
export type BudgetKind = 'api' | 'search';

export interface BudgetWindow {
  /** Reservations allowed within `windowMs`. */
  max: number;
  /** The window reservations are counted over: HubSpot's window plus the guard. */
  windowMs: number;
}

export interface RateBudget {
  readonly windows: Readonly<Record<BudgetKind, BudgetWindow>>;
  /**
   * Resolves once `n` calls of `kind` fit in the shared window (a search also
   * spends the api window). Throws HubspotDailyLimitError while the app is
   * parked on its daily limit, HubspotBudgetTimeoutError after waiting too long.
   */
  acquire(n?: number, kind?: BudgetKind): Promise<void>;
  /** Pauses `kind` for every instance (HubSpot answered 429 although we kept count). */
  pause(reason: RateBlockReason, forMs: number, kind?: BudgetKind): Promise<void>;
  /**
   * Stores HubSpot's latest daily figures for the sync status, at most once per
   * DAILY_USAGE_WRITE_MS per instance (a figure a few seconds old is as good, and the write
   * costs a round trip); resolves without writing inside that interval.
   */
  recordDailyUsage(usage: { limit: number; remaining: number }): Promise<void>;
}

/** See RateBudget.recordDailyUsage. */
export const DAILY_USAGE_WRITE_MS = 5_000;

export interface RateBudgetOptions {
  /** One budget per HubSpot app (token); instances of the same app must use the same key. */
  key?: string;
  /** Calls per window: HubSpot's limit for the account's tier (the guard is the margin). */
  maxPerWindow?: number;
  /** HubSpot's rolling window. */
  windowMs?: number;
  /** Added to the window reservations are counted over; covers the spread of reservation-to-arrival delays. */
  guardMs?: number;
  /** CRM search: 5 per second at HubSpot. */
  searchMaxPerWindow?: number;
  searchWindowMs?: number;
  /**
   * Added to the search window. Searches are paged one after another by one run (each page needs
   * the last one's cursor), so each arrives right after its reservation; this covers an event-loop delay.
   */
  searchGuardMs?: number;
  /** Give up (retryable) when no slot frees within this long. */
  maxWaitMs?: number;
}

export interface RateBudgetDeps {
  db: Db;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: Clock;
  /** Called for every granted reservation: lets tests and benchmarks check the budget from the inside. */
  onGrant?: (grant: { kind: BudgetKind; n: number; waitedMs: number }) => void;
}

export const RATE_BUDGET_DEFAULTS = {
  key: 'default',
  /** Free/Starter: 100 per rolling 10 s. */
  maxPerWindow: 100,
  windowMs: 10_000,
  /**
   * Reservation-to-arrival delays measured by the sync-throughput bench spread over 20-260 ms
   * (in-process sandbox, 8 instances, load average 1-3); 500 ms leaves room for a cold TLS
   * connection or a GC pause on the way to HubSpot.
   */
  guardMs: 500,
  searchMaxPerWindow: 5,
  searchWindowMs: 1_000,
  searchGuardMs: 100,
  maxWaitMs: 30_000,
} as const;

interface Reservation {
  granted: boolean;
  wait_ms: number;
  blocked_reason: RateBlockReason | null;
}

export function createPostgresRateBudget(options: RateBudgetOptions, deps: RateBudgetDeps): RateBudget {
  const o = { ...RATE_BUDGET_DEFAULTS, ...definedOnly(options) };
  const windows: Record<BudgetKind, BudgetWindow> = {
    api: { max: o.maxPerWindow, windowMs: o.windowMs + o.guardMs },
    search: { max: o.searchMaxPerWindow, windowMs: o.searchWindowMs + o.searchGuardMs },
  };
  const bucket = (kind: BudgetKind) => `${o.key}:${kind}`;

  const reserve = async (kind: BudgetKind, n: number, startedAt: number): Promise<void> => {
    const { max, windowMs } = windows[kind];
    for (;;) {
      const { rows } = await sql<Reservation>`
        SELECT granted, wait_ms, blocked_reason
        FROM hubspot_rate_reserve(${bucket(kind)}, ${n}::int, ${max}::int, ${windowMs}::int)`.execute(deps.db);
      const r = rows[0];
      if (!r) throw new Error('hubspot_rate_reserve returned no row');
      if (r.granted) {
        deps.onGrant?.({ kind, n, waitedMs: deps.now().getTime() - startedAt });
        return;
      }
      if (r.blocked_reason === 'DAILY') {
        throw new HubspotDailyLimitError(
          'HubSpot daily limit reached; calls are paused for every instance',
          new Date(deps.now().getTime() + r.wait_ms),
        );
      }
      if (deps.now().getTime() - startedAt + r.wait_ms > o.maxWaitMs) {
        throw new HubspotBudgetTimeoutError(`No HubSpot ${kind} budget within ${o.maxWaitMs} ms (next slot in ${r.wait_ms} ms)`);
      }
      // A little jitter so instances woken by the same freed slot do not all ask at once.
      await deps.sleep(r.wait_ms + Math.floor(deps.random() * Math.min(25, r.wait_ms / 10 + 1)));
    }
  };

  let dailyWrittenAt = Number.NEGATIVE_INFINITY;
  return {
    windows,
    async recordDailyUsage({ limit, remaining }) {
      const now = deps.now().getTime();
      if (now - dailyWrittenAt < DAILY_USAGE_WRITE_MS) return;
      dailyWrittenAt = now;
      await deps.db
        .insertInto('hubspot_rate_budget')
        .values({ bucket: bucket('api'), daily_limit: limit, daily_remaining: remaining, daily_observed_at: new Date(now) })
        .onConflict((oc) =>
          oc.column('bucket').doUpdateSet({ daily_limit: limit, daily_remaining: remaining, daily_observed_at: new Date(now) }),
        )
        .execute();
    },
    async acquire(n = 1, kind = 'api') {
      const startedAt = deps.now().getTime();
      if (kind === 'search') await reserve('search', n, startedAt);
      await reserve('api', n, startedAt);
    },
    async pause(reason, forMs, kind = 'api') {
      await sql`SELECT hubspot_rate_block(${bucket(kind)}, ${Math.ceil(forMs)}::int, ${reason})`.execute(deps.db);
    },
  };
}

/** Drops undefined entries so `{ ...defaults, ...options }` keeps the defaults. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
