import { sql } from 'kysely';
import type { Tx } from './database.js';

/**
 * SQLSTATE classes of the data written: data exception (22), integrity constraint violation (23)
 * and a trigger's RAISE EXCEPTION (P0). The same write would fail the same way again.
 */
const DATA_SQLSTATE_CLASSES = new Set(['22', '23', 'P0']);

/**
 * Errors of the moment that a savepoint survives: serialization failure and deadlock (40001,
 * 40P01), lock not available (55P03), statement timeout (57014). The same write may well succeed
 * on the next try.
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

function isDataError(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && DATA_SQLSTATE_CLASSES.has(code.slice(0, 2));
}

/** `retryable`: a transient error, not the data's fault: try the same work again, never fail it for good. */
export type SavepointResult<T> = { ok: true; value: T } | { ok: false; error: Error; retryable: boolean };

/**
 * Runs writes of a batch transaction inside a savepoint (e.g. one customer's). An error of the data
 * written (a constraint or data error, a trigger's exception: it would fail the same way again), or
 * a transient one (a deadlock, a timeout: marked retryable) undoes only these writes and is
 * returned, so the rest of the batch can still commit. Any other error (a lost connection, a bug, a
 * broken invariant) leaves nothing to roll back to or says nothing about the customer: it is
 * rethrown and the whole batch goes back for another try instead of failing rows for good.
 */
export async function inSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<SavepointResult<T>> {
  await sql`SAVEPOINT sync_writes`.execute(tx);
  try {
    const value = await fn();
    await sql`RELEASE SAVEPOINT sync_writes`.execute(tx);
    return { ok: true, value };
  } catch (err) {
    const retryable = TRANSIENT_SQLSTATES.has(sqlState(err) ?? '');
    if (!retryable && !isDataError(err)) throw err;
    await sql`ROLLBACK TO SAVEPOINT sync_writes`.execute(tx);
    await sql`RELEASE SAVEPOINT sync_writes`.execute(tx);
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)), retryable };
  }
}

/** The error as the sync log and last_error keep it: SQLSTATE first when it has one. */
export function describeWriteError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `[${code}] ${error.message}` : error.message;
}
