import type { SelectQueryBuilder } from 'kysely';
import type { Database, Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../runtime/clock.js';

/**
 * Bounded retention for the tables that grow with traffic. Each batch is one DELETE of at most
 * `batchRows` rows in its own transaction, picked oldest id first with SKIP LOCKED: it holds row
 * locks on that batch only, for milliseconds, and never waits behind a worker. A pass stops
 * starting batches after `maxPassMs`, so a minute's relay tick is never taken over; a backlog
 * (the first pass after years of rows) drains over successive ticks.
 *
 * What stays: FAILED outbox rows and webhook events (a person must see them), and unfinished
 * work. A DONE outbox row's change time is already in its fields' state (warp_changed_at), so
 * removing the row loses no input of the planner.
 */
export interface RetentionPolicy {
  syncLogDays: number;
  webhookEventDays: number;
  outboxDays: number;
  /** An Idempotency-Key is honoured this long: a replay after it creates anew. */
  idempotencyKeyDays: number;
  batchRows: number;
  maxPassMs: number;
}

export const RETENTION_DEFAULTS: RetentionPolicy = {
  syncLogDays: 90,
  webhookEventDays: 30,
  outboxDays: 30,
  idempotencyKeyDays: 2,
  batchRows: 5_000,
  maxPassMs: 10_000,
};

export const PURGED_TABLES = ['hubspot_sync_log', 'hubspot_webhook_events', 'hubspot_sync_queue', 'idempotency_keys'] as const;
export type PurgedTable = (typeof PURGED_TABLES)[number];

export interface PurgeResult {
  deleted: Record<PurgedTable, number>;
  batches: number;
  /** The longest single DELETE: an upper bound on how long any row lock was held. */
  longestBatchMs: number;
  /** False when the pass ran out of time with rows past retention still left. */
  complete: boolean;
}

type BatchDelete = (db: Db, cutoff: Date, rows: number) => Promise<number>;

const DAY_MS = 86_400_000;

type IdKeyedTable = Exclude<PurgedTable, 'idempotency_keys'>;
type Expired<T extends IdKeyedTable> = SelectQueryBuilder<Database, T, { id: string }>;

/** One batch of a table keyed by id: at most `rows` of the rows `expired` picks, oldest id first, locked ones skipped. */
async function deleteOldestById<T extends IdKeyedTable>(
  db: Db,
  table: T,
  rows: number,
  expired: (q: Expired<T>) => Expired<T>,
): Promise<number> {
  // Kysely's builders do not resolve a generic table; the caller's filter is typed against its own table.
  const from = table as IdKeyedTable;
  const batch = (expired as (q: Expired<IdKeyedTable>) => Expired<IdKeyedTable>)(db.selectFrom(from).select('id'));
  return deletedRows(
    await db.deleteFrom(from).where('id', 'in', batch.orderBy('id').limit(rows).forUpdate().skipLocked()).executeTakeFirst(),
  );
}

const deleteBatch: Record<PurgedTable, BatchDelete> = {
  hubspot_sync_log: (db, cutoff, rows) => deleteOldestById(db, 'hubspot_sync_log', rows, (q) => q.where('created_at', '<', cutoff)),
  hubspot_webhook_events: (db, cutoff, rows) =>
    deleteOldestById(db, 'hubspot_webhook_events', rows, (q) =>
      q.where('status', 'in', ['PROCESSED', 'IGNORED']).where('received_at', '<', cutoff),
    ),
  hubspot_sync_queue: (db, cutoff, rows) =>
    deleteOldestById(db, 'hubspot_sync_queue', rows, (q) => q.where('status', '=', 'DONE').where('created_at', '<', cutoff)),
  idempotency_keys: async (db, cutoff, rows) =>
    deletedRows(
      await db
        .deleteFrom('idempotency_keys')
        .where((eb) =>
          eb(
            eb.refTuple('user_id', 'idempotency_key'),
            'in',
            eb
              .selectFrom('idempotency_keys')
              .select(['user_id', 'idempotency_key'])
              .where('created_at', '<', cutoff)
              .orderBy('created_at')
              .limit(rows)
              .forUpdate()
              .skipLocked()
              .$asTuple('user_id', 'idempotency_key'),
          ),
        )
        .executeTakeFirst(),
    ),
};

function deletedRows(result: { numDeletedRows: bigint }): number {
  return Number(result.numDeletedRows);
}

function retentionDays(policy: RetentionPolicy, table: PurgedTable): number {
  switch (table) {
    case 'hubspot_sync_log':
      return policy.syncLogDays;
    case 'hubspot_webhook_events':
      return policy.webhookEventDays;
    case 'hubspot_sync_queue':
      return policy.outboxDays;
    case 'idempotency_keys':
      return policy.idempotencyKeyDays;
  }
}

export interface PurgeDeps {
  db: Db;
  log: Logger;
  now: Clock;
}

/** One pass over every table, oldest rows first, within the policy's time budget. */
export async function purgeExpired(deps: PurgeDeps, policy: RetentionPolicy = RETENTION_DEFAULTS): Promise<PurgeResult> {
  const startedAt = deps.now().getTime();
  const result: PurgeResult = {
    deleted: { hubspot_sync_log: 0, hubspot_webhook_events: 0, hubspot_sync_queue: 0, idempotency_keys: 0 },
    batches: 0,
    longestBatchMs: 0,
    complete: true,
  };
  for (const table of PURGED_TABLES) {
    const cutoff = new Date(startedAt - retentionDays(policy, table) * DAY_MS);
    for (;;) {
      if (deps.now().getTime() - startedAt >= policy.maxPassMs) {
        result.complete = false;
        break;
      }
      const batchStartedAt = deps.now().getTime();
      const deleted = await deleteBatch[table](deps.db, cutoff, policy.batchRows);
      result.longestBatchMs = Math.max(result.longestBatchMs, deps.now().getTime() - batchStartedAt);
      result.batches++;
      result.deleted[table] += deleted;
      if (deleted < policy.batchRows) break;
    }
    if (result.deleted[table] > 0) await recordPurged(deps.db, table, result.deleted[table], deps.now());
    if (!result.complete) break;
  }
  const total = PURGED_TABLES.reduce((sum, t) => sum + result.deleted[t], 0);
  if (total > 0)
    deps.log.info('retention purge removed expired rows', {
      ...result.deleted,
      batches: result.batches,
      longestBatchMs: result.longestBatchMs,
      complete: result.complete,
    });
  return result;
}

async function recordPurged(db: Db, table: PurgedTable, rows: number, at: Date): Promise<void> {
  await db
    .insertInto('retention_state')
    .values({ table_name: table, rows_purged: rows, last_purged_at: at })
    .onConflict((oc) =>
      oc.column('table_name').doUpdateSet((eb) => ({ rows_purged: eb('retention_state.rows_purged', '+', rows), last_purged_at: at })),
    )
    .execute();
}
