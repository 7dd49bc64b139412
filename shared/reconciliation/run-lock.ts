import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** One reconciliation over all customers at a time, across every instance. */
const RUN_LOCK_ID = 4_404_010;

export type LockedResult<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Runs `fn` holding a session advisory lock on a connection of its own (the run's chunks commit
 * on other connections). Does not wait: a run already in progress means `acquired: false`. If the
 * instance dies, its connection closes and PostgreSQL releases the lock.
 */
export async function withRunLock<T>(db: Db, fn: () => Promise<T>): Promise<LockedResult<T>> {
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${RUN_LOCK_ID}) AS locked`.execute(conn);
    if (rows[0]?.locked !== true) return { acquired: false };
    try {
      return { acquired: true, value: await fn() };
    } finally {
      await sql`SELECT pg_advisory_unlock(${RUN_LOCK_ID})`.execute(conn);
    }
  });
}
