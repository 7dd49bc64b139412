import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { ReconcileRequest } from './reconcile-request.js';
import { parseCursor, serializeCursor, type RunCursor } from './run-cursor.js';

export interface ReconciliationRun {
  id: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: Date;
  cursor: RunCursor | undefined;
}

export interface RunProgress {
  checked: number;
  changed: number;
  hubspotCalls: number;
  errors: number;
}

/** Runs over all customers (not one customer's): the cursor's request says so. */
const ALL_CUSTOMERS = sql<boolean>`(cursor::jsonb -> 'request' ->> 'all') = 'true'`;

export async function insertRun(db: DbOrTx, request: ReconcileRequest, cursor: RunCursor, customerId: string | null): Promise<ReconciliationRun> {
  const row = await db
    .insertInto('hubspot_reconciliation_runs')
    .values({ trigger: request.trigger, customer_id: customerId, status: 'RUNNING', cursor: serializeCursor(cursor) })
    .returning(['id', 'status', 'started_at', 'cursor'])
    .executeTakeFirstOrThrow();
  return toRun(row);
}

/** The latest run started for this Pub/Sub message (a redelivery carries the same id). */
export async function findRunOfMessage(db: DbOrTx, messageId: string): Promise<ReconciliationRun | undefined> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select(['id', 'status', 'started_at', 'cursor'])
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
 * Called while holding the run lock: another run over all customers still RUNNING lost its
 * instance (the lock dies with the session). It is marked FAILED; its request's redelivery, if
 * any, resumes it from its cursor.
 */
export async function failAbandonedRuns(db: DbOrTx, exceptId: string, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('hubspot_reconciliation_runs')
    .set({ status: 'FAILED', finished_at: now, error: 'abandoned: the instance running it stopped before it finished' })
    .where('status', '=', 'RUNNING')
    .where('id', '!=', exceptId)
    .where(ALL_CUSTOMERS)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A FAILED (or abandoned) run is picked up again by its request's redelivery. */
export async function reopenRun(db: DbOrTx, id: string): Promise<void> {
  await db.updateTable('hubspot_reconciliation_runs').set({ status: 'RUNNING', finished_at: null, error: null }).where('id', '=', id).execute();
}

/** Adds a chunk's counts and moves the cursor; runs in the chunk's own transaction. */
export async function recordProgress(db: DbOrTx, id: string, progress: Partial<RunProgress>, cursor?: RunCursor): Promise<void> {
  await db
    .updateTable('hubspot_reconciliation_runs')
    .set({
      customers_checked: sql`customers_checked + ${progress.checked ?? 0}`,
      customers_changed: sql`customers_changed + ${progress.changed ?? 0}`,
      hubspot_calls: sql`hubspot_calls + ${progress.hubspotCalls ?? 0}`,
      errors: sql`errors + ${progress.errors ?? 0}`,
      ...(cursor ? { cursor: serializeCursor(cursor) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function finishRun(db: Db, id: string, outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; error: string }, now: Date): Promise<void> {
  await db
    .updateTable('hubspot_reconciliation_runs')
    .set({
      status: outcome.status,
      finished_at: now,
      error: outcome.status === 'FAILED' ? outcome.error.slice(0, 2000) : null,
      ...(outcome.status === 'FAILED' ? { errors: sql`errors + 1` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function runProgress(db: DbOrTx, id: string): Promise<RunProgress> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .select(['customers_checked', 'customers_changed', 'hubspot_calls', 'errors'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { checked: row.customers_checked, changed: row.customers_changed, hubspotCalls: row.hubspot_calls, errors: row.errors };
}

function toRun(row: { id: string; status: ReconciliationRun['status']; started_at: Date; cursor: string | null }): ReconciliationRun {
  return { id: row.id, status: row.status, startedAt: row.started_at, cursor: parseCursor(row.cursor) };
}
