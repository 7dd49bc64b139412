import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { ReconciliationRunStatus } from '../db/tables/hubspot-sync.js';
import { ABANDONED_ERROR, EXPIRED_ERROR, finishedRunColumns, type RunOutcome } from '../reconciliation/run-repository.js';
import { parseMatchCursor, type MatchCursor } from './match-run-request.js';

export interface MatchRun {
  id: string;
  status: ReconciliationRunStatus;
  dryRun: boolean;
  minConfidence: number;
  startedBy: string | null;
  appliedBy: string | null;
  error: string | null;
  cursor: MatchCursor;
}

export interface MatchProgress {
  companiesListed?: number;
  linked?: number;
  hubspotCalls?: number;
  errors?: number;
}

const COLUMNS = ['id', 'status', 'dry_run', 'min_confidence', 'started_by', 'applied_by', 'error', 'cursor'] as const;

export async function insertMatchRun(
  db: DbOrTx,
  run: {
    dryRun: boolean;
    minConfidence: number;
    status: 'QUEUED' | 'RUNNING';
    messageId?: string;
    startedBy?: string;
    cursor: MatchCursor;
  },
): Promise<MatchRun> {
  const row = await db
    .insertInto('hubspot_match_runs')
    .values({
      status: run.status,
      dry_run: run.dryRun,
      min_confidence: run.minConfidence.toFixed(2),
      message_id: run.messageId ?? null,
      started_by: run.startedBy ?? null,
      cursor: JSON.stringify(run.cursor),
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toRun(row);
}

export async function findMatchRun(db: DbOrTx, id: string): Promise<MatchRun | undefined> {
  const row = await db.selectFrom('hubspot_match_runs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toRun(row);
}

/** The run started for this Pub/Sub message (a redelivery carries the same id). */
export async function findMatchRunOfMessage(db: DbOrTx, messageId: string): Promise<MatchRun | undefined> {
  const row = await db.selectFrom('hubspot_match_runs').select(COLUMNS).where('message_id', '=', messageId).executeTakeFirst();
  return row && toRun(row);
}

/** The run queued or running, if any. */
export async function matchRunInProgress(db: DbOrTx): Promise<string | undefined> {
  const row = await db
    .selectFrom('hubspot_match_runs')
    .select('id')
    .where('status', 'in', ['QUEUED', 'RUNNING'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/**
 * Called under the run lock: another run still RUNNING lost its instance (a live run holds the
 * lock), and a QUEUED one older than `queuedBefore` was never picked up. Neither blocks a new run.
 */
export async function failStaleMatchRuns(db: DbOrTx, exceptId: string | null, queuedBefore: Date, now: Date): Promise<void> {
  await db
    .updateTable('hubspot_match_runs')
    .set({ status: 'FAILED', finished_at: now, error: ABANDONED_ERROR })
    .where('status', '=', 'RUNNING')
    .$if(exceptId !== null, (qb) => qb.where('id', '!=', exceptId!))
    .execute();
  await db
    .updateTable('hubspot_match_runs')
    .set({ status: 'FAILED', finished_at: now, error: EXPIRED_ERROR })
    .where('status', '=', 'QUEUED')
    .where('queued_at', '<', queuedBefore)
    .execute();
}

/** The worker takes the run (new, queued, or failed and redelivered) from its cursor. */
export async function startMatchRun(db: DbOrTx, id: string): Promise<void> {
  await db.updateTable('hubspot_match_runs').set({ status: 'RUNNING', finished_at: null, error: null }).where('id', '=', id).execute();
}

/** Adds a step's counts and moves the cursor; runs in the step's own transaction. */
export async function recordMatchProgress(db: DbOrTx, id: string, progress: MatchProgress, cursor?: MatchCursor): Promise<void> {
  await db
    .updateTable('hubspot_match_runs')
    .set({
      companies_listed: sql`companies_listed + ${progress.companiesListed ?? 0}`,
      linked: sql`linked + ${progress.linked ?? 0}`,
      hubspot_calls: sql`hubspot_calls + ${progress.hubspotCalls ?? 0}`,
      errors: sql`errors + ${progress.errors ?? 0}`,
      ...(cursor ? { cursor: JSON.stringify(cursor) } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function setMatchCustomersTotal(db: DbOrTx, id: string, total: number): Promise<void> {
  await db.updateTable('hubspot_match_runs').set({ customers_total: total }).where('id', '=', id).execute();
}

export async function finishMatchRun(db: DbOrTx, id: string, outcome: RunOutcome, now: Date): Promise<void> {
  await db.updateTable('hubspot_match_runs').set(finishedRunColumns(outcome, now)).where('id', '=', id).execute();
}

function toRun(row: {
  id: string;
  status: ReconciliationRunStatus;
  dry_run: boolean;
  min_confidence: string;
  started_by: string | null;
  applied_by: string | null;
  error: string | null;
  cursor: string;
}): MatchRun {
  return {
    id: row.id,
    status: row.status,
    dryRun: row.dry_run,
    minConfidence: Number(row.min_confidence),
    startedBy: row.started_by,
    appliedBy: row.applied_by,
    error: row.error,
    cursor: parseMatchCursor(row.cursor),
  };
}
