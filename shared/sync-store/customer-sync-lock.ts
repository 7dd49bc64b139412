import { sql } from 'kysely';
import type { Tx } from '../db/database.js';

/** First key of the two-key advisory lock, so these locks never collide with other uses. */
const SYNC_LOCK_NAMESPACE = 4_404_001;

/**
 * Serialises every sync of the same customers (outbound batches, inbound webhook events) until
 * the transaction ends, so two workers never plan from the same stale state. Locks are taken in
 * one global order (by key), so two batches sharing customers cannot deadlock.
 */
export async function lockCustomersForSync(tx: Tx, customerIds: readonly string[]): Promise<void> {
  if (customerIds.length === 0) return;
  await sql`
    SELECT pg_advisory_xact_lock(${SYNC_LOCK_NAMESPACE}, k.key)
    FROM (SELECT DISTINCT hashtext(id) AS key FROM unnest(${[...customerIds]}::text[]) AS id ORDER BY 1) AS k`.execute(tx);
}
