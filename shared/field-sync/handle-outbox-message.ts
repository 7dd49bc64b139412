import { HubspotDailyLimitError, HubspotError } from '../hubspot/client/errors.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxMessage } from '../outbox/outbox-message.js';
import { claimOutboxBatch, completeOutboxRows, releaseOutboxRows, type ClaimedOutboxRow, type MessageRowState } from './outbox-claims.js';
import { syncClaimedRows, type CompanyGateway, type SyncBatchResult } from './sync-claimed-rows.js';
import { insertSyncLog } from './sync-log-repository.js';

export interface FieldSyncWorkerOptions {
  workerId: string;
  maxCustomers: number;
  leaseMs: number;
  retryDelayMs: number;
}

export interface FieldSyncDeps {
  db: Db;
  companies: CompanyGateway;
  log: Logger;
  options: FieldSyncWorkerOptions;
  now?: () => Date;
}

export type OutboxMessageOutcome =
  | { kind: Exclude<MessageRowState, 'CLAIMED'> }
  | ({ kind: 'SYNCED'; rows: number } & SyncBatchResult)
  | { kind: 'FAILED'; rows: number; error: string };

/**
 * Handles one outbox message: claims the change it names plus other pending changes (a burst is
 * synced in a few batch calls), syncs them and marks them done. Returns normally when the message
 * may be acked (also when another worker handled or is handling its change). Throws when the
 * change must be tried again: the claimed rows are handed back first (PENDING, or PARKED when
 * HubSpot's daily limit is spent), so Pub/Sub's redelivery, or any other worker, finds them.
 */
export async function handleOutboxMessage(deps: FieldSyncDeps, message: OutboxMessage, traceId?: string): Promise<OutboxMessageOutcome> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ outboxId: message.outboxId, customerId: message.customerId, trace: traceId });
  const claim = await claimOutboxBatch(deps.db, {
    outboxId: message.outboxId,
    customerId: message.customerId,
    workerId: deps.options.workerId,
    maxCustomers: deps.options.maxCustomers,
    leaseMs: deps.options.leaseMs,
    now: now(),
  });
  if (claim.messageRow !== 'CLAIMED') {
    log.debug('outbox message needs no work here', { state: claim.messageRow });
    return { kind: claim.messageRow };
  }
  try {
    const result = await syncClaimedRows({ db: deps.db, companies: deps.companies, log, now }, claim.rows, traceId);
    log.info('field sync batch done', { rows: claim.rows.length, ...result });
    return { kind: 'SYNCED', rows: claim.rows.length, ...result };
  } catch (err) {
    if (err instanceof HubspotError && !err.retryable) {
      // The request itself is wrong: retrying cannot help. Record it and ack.
      await recordFailure(deps, claim.rows, err, 'FAILED', traceId);
      await completeOutboxRows(deps.db, claim.rows.map((r) => r.id), `${err.name}: ${err.message}`);
      log.error('field sync failed for good', { err, rows: claim.rows.length });
      return { kind: 'FAILED', rows: claim.rows.length, error: err.message };
    }
    const daily = err instanceof HubspotDailyLimitError;
    const retryAt = daily ? (err.pausedUntil ?? new Date(now().getTime() + 3_600_000)) : new Date(now().getTime() + deps.options.retryDelayMs);
    const release = { status: daily ? ('PARKED' as const) : ('PENDING' as const), error: `${(err as Error).name}: ${(err as Error).message}`, retryAt };
    const [own, others] = partition(claim.rows, (r) => r.customerId === message.customerId);
    // This message's redelivery retries its customer; the others' messages were acked, so the
    // relay republishes their rows after its grace period (or an earlier batch takes them).
    await releaseOutboxRows(deps.db, own.map((r) => r.id), release);
    await releaseOutboxRows(deps.db, others.map((r) => r.id), { ...release, republish: true });
    await recordFailure(deps, claim.rows, err, 'RETRYING', traceId);
    if (daily) log.critical('HubSpot daily API limit reached: outbound sync parked', { retryAt, rows: claim.rows.length });
    else log.warn('field sync failed; the change will be retried', { err, rows: claim.rows.length });
    throw err;
  }
}

/** One sync log row per customer of a batch that failed as a whole. */
async function recordFailure(
  deps: FieldSyncDeps,
  rows: readonly ClaimedOutboxRow[],
  err: unknown,
  status: 'FAILED' | 'RETRYING',
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
      status,
      error_code: error.name ?? 'Error',
      error_message: String(error.message ?? err).slice(0, 2000),
    })),
  );
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
