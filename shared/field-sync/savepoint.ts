import { sql } from 'kysely';
import type { Tx } from '../db/database.js';

/**
 * SQLSTATE classes a retry may cure: connection, transaction rollback (deadlock, serialisation),
 * insufficient resources, object not in prerequisite state (lock not available), operator
 * intervention (statement timeout, shutdown), system and internal errors.
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '55', '57', '58', 'XX']);

function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
}

export type SavepointResult<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs writes of a batch transaction inside a savepoint (e.g. one customer's). An error of the data
 * written (a constraint or data error, a trigger's exception: it would fail the same way again)
 * undoes only these writes and is returned, so the rest of the batch can still commit. Errors a
 * retry may cure are rethrown: the whole batch goes back for another try.
 */
export async function inSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<SavepointResult<T>> {
  await sql`SAVEPOINT sync_writes`.execute(tx);
  try {
    const value = await fn();
    await sql`RELEASE SAVEPOINT sync_writes`.execute(tx);
    return { ok: true, value };
  } catch (err) {
    if (isTransientDbError(err)) throw err;
    await sql`ROLLBACK TO SAVEPOINT sync_writes`.execute(tx);
    await sql`RELEASE SAVEPOINT sync_writes`.execute(tx);
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** The error as the sync log and last_error keep it: SQLSTATE first when it has one. */
export function describeWriteError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `[${code}] ${error.message}` : error.message;
}
