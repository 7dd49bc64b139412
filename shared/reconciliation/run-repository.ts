import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { ReconciliationRunStatus } from '../db/tables/hubspot-sync.js';
import type { ReconcileRequest } from './reconcile-request.js';
import { parseCursor, serializeCursor, type RunCursor } from './run-cursor.js';

export interface ReconciliationRun {
  id: string;
  status: ReconciliationRunStatus;
  error: string | null;
  startedAt: Date;
  cursor: RunCursor | undefined;
}

export interface RunProgress {
  checked: number;
  /** Customers found by the HubSpot pass: they add to customers_total as they are found. */
  found?: number;
  changed: number;
  hubspotCalls: number;
  errors: number;
}

/** How a run ends; match runs end the same way. */
export type RunOutcome = { status: 'SUCCEEDED' } | { status: 'FAILED'; error: string };

/** The columns a finished run (reconciliation or match) is updated with: a failure keeps its error and counts as one. */
export function finishedRunColumns(outcome: RunOutcome, now: Date) {
  return {
    status: outcome.status,
    finished_at: now,
    error: outcome.status === 'FAILED' ? outcome.error.slice(0, 2000) : null,
    ...(outcome.status === 'FAILED' ? { errors: sql<number>`errors + 1` } : {}),
  };
}

const RUN_COLUMNS = ['id', 'status', 'started_at', 'cursor', 'error'] as const;

/** Real runs over all customers (not one customer's, not a list, not a dry run): the cursor's request says so. */
const ALL_CUSTOMERS = sql<boolean>`(cursor::jsonb -> 'request' ->> 'all') = 'true' AND NOT dry_run`;
/** Runs that hold the run lock: all but one customer's (isSingleFlight). */
const SINGLE_FLIGHT = sql<boolean>`(cursor::jsonb -> 'request' ->> 'customerId') IS NULL`;

export async function insertRun(
  db: DbOrTx,
  request: ReconcileRequest,
  cursor: RunCursor,
  customerId: string | null,
  options: { status?: Extract<ReconciliationRunStatus, 'QUEUED' | 'RUNNING'>; startedBy?: string; startedAt?: Date } = {},
): Promise<ReconciliationRun> {
  const row = await db
    .insertInto('hubspot_reconciliation_runs')
    .values({
      ...(options.startedAt ? { started_at: options.startedAt } : {}),
      trigger: request.trigger,
      customer_id: customerId,
      status: options.status ?? 'RUNNING',
      cursor: serializeCursor(cursor),
      dry_run: request.dryRun,
      started_by: options.startedBy ?? null,
    })
    .returning(RUN_COLUMNS)
    .executeTakeFirstOrThrow();
  return toRun(row);
}

export async function findRun(db: DbOrTx, id: string): Promise<ReconciliationRun | undefined> {
  const row = await db.selectFrom('hubspot_reconciliation_runs').select(RUN_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toRun(row);
}

/** The single-flight run queued or running, if any (the newest, should a stopped instance have left one behind). */
export async function runInProgress(db: DbOrTx): Promise<string | undefined> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select('id')
    .where('status', 'in', ['QUEUED', 'RUNNING'])
    .where(SINGLE_FLIGHT)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** The error of a queued run that expired: it is never started, should its request still arrive. */
export const EXPIRED_ERROR = 'expired: the reconcile worker never picked the request up';
/** The error of a run left RUNNING by an instance that stopped (found while holding the run lock). */
export const ABANDONED_ERROR = 'abandoned: the instance running it stopped before it finished';

/**
 * Queued runs whose request the worker never picked up (lost or dead-lettered): they no longer
 * hold the single flight. Called under the run lock.
 */
export async function expireQueuedRuns(db: DbOrTx, queuedBefore: Date, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('hubspot_reconciliation_runs')
    .set({ status: 'FAILED', finished_at: now, error: EXPIRED_ERROR })
    .where('status', '=', 'QUEUED')
    .where('started_at', '<', queuedBefore)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A queued run starts now: its cursor is the worker's (since looked up at start). */
export async function startQueuedRun(db: DbOrTx, id: string, cursor: RunCursor, now: Date): Promise<void> {
  await db
    .updateTable('hubspot_reconciliation_runs')
    .set({ status: 'RUNNING', started_at: now, cursor: serializeCursor(cursor) })
    .where('id', '=', id)
    .where('status', '=', 'QUEUED')
    .execute();
}

/** How many customers the run's passes will check, as far as they are known at its start. */
export async function setCustomersTotal(db: DbOrTx, id: string, total: number): Promise<void> {
  await db.updateTable('hubspot_reconciliation_runs').set({ customers_total: total }).where('id', '=', id).execute();
}

/** The latest run started for this Pub/Sub message (a redelivery carries the same id). */
export async function findRunOfMessage(db: DbOrTx, messageId: string): Promise<ReconciliationRun | undefined> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select(RUN_COLUMNS)
    .where(sql<boolean>`(cursor::jsonb ->> 'messageId') = ${messageId}`)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toRun(row);
}

/** Start of the last successful run over all customers: what an incremental run looks back to. */
export async function lastSucceededAllRunStart(db: DbOrTx): Promise<Date | undefined> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select((eb) => eb.fn.max('started_at').as('started_at'))
    .where('status', '=', 'SUCCEEDED')
    .where(ALL_CUSTOMERS)
    .executeTakeFirst();
  return row?.started_at ?? undefined;
}

/**
 * Called while holding the run lock: another single-flight run still RUNNING lost its
 * instance (the lock dies with the session). It is marked FAILED; its request's redelivery, if
 * any, resumes it from its cursor.
 */
export async function failAbandonedRuns(db: DbOrTx, exceptId: string | null, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('hubspot_reconciliation_runs')
    .set({ status: 'FAILED', finished_at: now, error: ABANDONED_ERROR })
    .where('status', '=', 'RUNNING')
    .$if(exceptId !== null, (qb) => qb.where('id', '!=', exceptId!))
    .where(SINGLE_FLIGHT)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A FAILED (or abandoned) run is picked up again by its request's redelivery. */
export async function reopenRun(db: DbOrTx, id: string): Promise<void> {
  await db
    .updateTable('hubspot_reconciliation_runs')
    .set({ status: 'RUNNING', finished_at: null, error: null })
    .where('id', '=', id)
    .execute();
}

/** Adds a chunk's counts and moves the cursor; runs in the chunk's own transaction. */
export async function recordProgress(db: DbOrTx, id: string, progress: Partial<RunProgress>, cursor?: RunCursor): Promise<void> {
  await db
    .updateTable('hubspot_reconciliation_runs')
    .set({
      customers_checked: sql`customers_checked + ${progress.checked ?? 0}`,
      ...(progress.found ? { customers_total: sql`coalesce(customers_total, 0) + ${progress.found}` } : {}),
      customers_changed: sql`customers_changed + ${progress.changed ?? 0}`,
      hubspot_calls: sql`hubspot_calls + ${progress.hubspotCalls ?? 0}`,
      errors: sql`errors + ${progress.errors ?? 0}`,
      ...(cursor ? { cursor: serializeCursor(cursor) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function finishRun(db: Db, id: string, outcome: RunOutcome, now: Date): Promise<void> {
  await db.updateTable('hubspot_reconciliation_runs').set(finishedRunColumns(outcome, now)).where('id', '=', id).execute();
}

export async function runProgress(db: DbOrTx, id: string): Promise<RunProgress> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select(['customers_checked', 'customers_changed', 'hubspot_calls', 'errors'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { checked: row.customers_checked, changed: row.customers_changed, hubspotCalls: row.hubspot_calls, errors: row.errors };
}

function toRun(row: {
  id: string;
  status: ReconciliationRun['status'];
  started_at: Date;
  cursor: string | null;
  error: string | null;
}): ReconciliationRun {
  return { id: row.id, status: row.status, error: row.error, startedAt: row.started_at, cursor: parseCursor(row.cursor) };
}
