import { setTimeout as sleep } from 'node:timers/promises';
import { HubspotDailyLimitError } from '../hubspot/client/errors.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxMessage } from '../outbox/outbox-message.js';
import { claimOutboxBatch, releaseOutboxRows, type ClaimedOutboxRow, type MessageRowState } from '../outbox/outbox-claims.js';
import type { CompanyGateway, SyncBatchResult } from './sync-claimed-rows.js';
import { hubspotDeadline, withDeadline } from './sync-deadline.js';
import { syncIsolatingFailures } from './sync-isolating-failures.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';
import { systemClock, type Clock } from '../runtime/clock.js';

export interface FieldSyncWorkerOptions {
  workerId: string;
  maxCustomers: number;
  leaseMs: number;
  retryDelayMs: number;
  /** Our HubSpot app's id: history entries it wrote are our own writes (unset: none recognized). */
  hubspotAppId?: string;
  /** Link new customers to the companies sales made for them instead of creating companies. */
  matchNewCustomers?: boolean;
}

export interface FieldSyncDeps {
  db: Db;
  companies: CompanyGateway;
  log: Logger;
  options: FieldSyncWorkerOptions;
  now?: Clock;
}

export type OutboxMessageOutcome =
  | { kind: Exclude<MessageRowState, 'CLAIMED'> }
  | ({ kind: 'SYNCED'; rows: number } & SyncBatchResult)
  /** HubSpot's daily limit is spent: the rows wait until `retryAt`, then the relay brings them back. */
  | { kind: 'PARKED'; rows: number; customers: number; retryAt: Date };

/**
 * Handles one outbox message: claims the change it names plus other pending changes (a burst is
 * synced in a few batch calls), syncs them and marks them done. Returns normally when the message
 * may be acked: synced (customers HubSpot or WARP refuse fail alone, for good), handled or being
 * handled elsewhere, or parked on HubSpot's daily limit (retrying before the pause ends cannot
 * help; the relay republishes the rows when it does). Throws when the change must be tried again:
 * the rows still held are handed back first (PENDING), so Pub/Sub's redelivery, or any other
 * worker, finds them.
 */
/** Outbox rows the batches running in this process hold (see ClaimOptions.heldHere). */
const rowsHeldHere = new Set<string>();

/** Hand-backs are retried: a row left PROCESSING would wait out its whole lease. */
const RELEASE_ATTEMPTS = 4;
const RELEASE_BACKOFF_MS = 250;

async function releaseWithRetry(...args: Parameters<typeof releaseOutboxRows>): ReturnType<typeof releaseOutboxRows> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await releaseOutboxRows(...args);
    } catch (err) {
      if (attempt >= RELEASE_ATTEMPTS) throw err;
      await sleep(RELEASE_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

export async function handleOutboxMessage(deps: FieldSyncDeps, message: OutboxMessage, traceId?: string): Promise<OutboxMessageOutcome> {
  const now = deps.now ?? systemClock;
  const log = deps.log.child({ outboxId: message.outboxId, customerId: message.customerId, trace: traceId });
  const { workerId, leaseMs } = deps.options;
  const claimedAt = now();
  const claim = await claimOutboxBatch(deps.db, {
    outboxId: message.outboxId,
    customerId: message.customerId,
    workerId,
    maxCustomers: deps.options.maxCustomers,
    leaseMs,
    now: claimedAt,
    heldHere: (id) => rowsHeldHere.has(id),
    alongWith: message.alongWith,
  });
  if (claim.messageRow !== 'CLAIMED' && claim.rows.length === 0) {
    log.debug('outbox message needs no work here', { state: claim.messageRow });
    return { kind: claim.messageRow };
  }
  const companies = withDeadline(deps.companies, hubspotDeadline(claimedAt, leaseMs), now);
  for (const row of claim.rows) rowsHeldHere.add(row.id);
  try {
    const result = await syncIsolatingFailures(
      {
        db: deps.db,
        companies,
        log,
        now,
        workerId,
        hubspotAppId: deps.options.hubspotAppId,
        matchNewCustomers: deps.options.matchNewCustomers,
      },
      claim.rows,
      traceId,
    );
    log.info('field sync batch done', { rows: claim.rows.length, ...result });
    return { kind: 'SYNCED', rows: claim.rows.length, ...result };
  } catch (err) {
    const error = `${(err as Error).name}: ${(err as Error).message}`;
    const ids = (rows: readonly ClaimedOutboxRow[]) => rows.map((r) => r.id);
    if (err instanceof HubspotDailyLimitError) {
      // Every message of these rows is acked: the relay republishes them once the pause is over.
      const retryAt = err.pausedUntil ?? new Date(now().getTime() + DAILY_PAUSE_FALLBACK_MS);
      const parked = await releaseWithRetry(deps.db, ids(claim.rows), workerId, { status: 'PARKED', error, retryAt });
      await recordFailure(deps, parked, err, traceId);
      const customers = new Set(parked.map((r) => r.customerId)).size;
      log.warn("outbound sync parked until HubSpot's daily limit resets", { rows: parked.length, customers, retryAt });
      return { kind: 'PARKED', rows: parked.length, customers, retryAt };
    }
    const retryAt = new Date(now().getTime() + deps.options.retryDelayMs);
    const [own, others] = partition(claim.rows, (r) => r.customerId === message.customerId);
    // This message's redelivery retries its customer; the others' messages were acked, so the
    // relay republishes their rows after its grace period (or an earlier batch takes them).
    const released = [
      ...(await releaseWithRetry(deps.db, ids(own), workerId, { status: 'PENDING', error, retryAt })),
      ...(await releaseWithRetry(deps.db, ids(others), workerId, { status: 'PENDING', error, retryAt, republish: true })),
    ];
    await recordFailure(deps, released, err, traceId);
    log.warn('field sync failed; the change will be retried', { err, rows: released.length });
    throw err;
  } finally {
    for (const row of claim.rows) rowsHeldHere.delete(row.id);
  }
}

/** When HubSpot's daily pause has no known end, try again after this long. */
const DAILY_PAUSE_FALLBACK_MS = 3_600_000;

/** One RETRYING sync log row per customer whose rows were handed back. */
async function recordFailure(
  deps: FieldSyncDeps,
  rows: ReadonlyArray<{ id: string; customerId: string }>,
  err: unknown,
  traceId?: string,
): Promise<void> {
  const lastRowOf = new Map(rows.map((r) => [r.customerId, r.id]));
  const error = err as Error;
  await insertSyncLog(
    deps.db,
    [...lastRowOf].map(([customerId, outboxId]) => ({
      customer_id: customerId,
      outbox_id: outboxId,
      trace_id: traceId ?? null,
      direction: 'WARP_TO_HUBSPOT' as const,
      operation: 'SYNC',
      status: 'RETRYING' as const,
      error_code: error.name ?? 'Error',
      error_message: String(error.message ?? err).slice(0, 2000),
    })),
  );
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
