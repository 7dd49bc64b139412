import { sql } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { WebhookEventStatus } from '../db/tables/hubspot-sync.js';

/** What became of one stored webhook event: applied (or nothing to apply), or ignored on purpose. */
export type EventOutcome = { status: 'PROCESSED' } | { status: 'IGNORED'; reason: string };

export const processed = (): EventOutcome => ({ status: 'PROCESSED' });
export const ignored = (code: IgnoreCode, detail?: string): EventOutcome => ({
  status: 'IGNORED',
  reason: detail ? `${code}: ${detail}` : code,
});

/** The reasons an event is recorded as IGNORED (`ignore_reason` starts with one of these). */
export type IgnoreCode =
  | 'UNKNOWN_COMPANY'
  | 'UNMAPPED_PROPERTY'
  | 'STALE_EVENT'
  | 'LINK_DELETED'
  | 'LINK_DETACHED'
  | 'INVALID_MAPPING'
  | 'INVALID_VALUE'
  | 'OWN_CREATION'
  | 'COMPANY_NOT_FOUND'
  | 'UNLINKED_COMPANY'
  | 'CUSTOMER_ALREADY_LINKED'
  | 'UNSUPPORTED_EVENT';

export interface LockedEventRow {
  id: string;
  dedupeKey: string;
  status: WebhookEventStatus;
  /** Attempts made before this one. */
  attempts: number;
}

/** Locks the stored event for this attempt: a concurrent redelivery waits, then finds it done. */
export async function lockEventRow(tx: Tx, id: string): Promise<LockedEventRow | undefined> {
  const row = await tx
    .selectFrom('hubspot_webhook_events')
    .select(['id', 'dedupe_key', 'status', 'processing_attempts'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row && { id: row.id, dedupeKey: row.dedupe_key, status: row.status, attempts: row.processing_attempts };
}

export const isSettled = (status: WebhookEventStatus) => status === 'PROCESSED' || status === 'IGNORED';

export async function recordOutcome(tx: Tx, id: string, outcome: EventOutcome, now: Date): Promise<void> {
  await tx
    .updateTable('hubspot_webhook_events')
    .set({
      status: outcome.status,
      ignore_reason: outcome.status === 'IGNORED' ? outcome.reason.slice(0, 1000) : null,
      processing_error: null,
      processing_attempts: sql`processing_attempts + 1`,
      processed_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Counts a failed attempt (its own statement: the attempt's transaction was rolled back). The
 * attempt that reaches `maxAttempts` (the subscription's dead-letter limit) marks the row FAILED,
 * which is what on-call finds next to the dead-lettered message. Returns the row's new state.
 */
export async function recordFailure(
  db: Db,
  id: string,
  error: string,
  maxAttempts: number,
): Promise<{ attempts: number; status: WebhookEventStatus } | undefined> {
  return db
    .updateTable('hubspot_webhook_events')
    .set({
      processing_attempts: sql`processing_attempts + 1`,
      processing_error: error.slice(0, 2000),
      status: sql<WebhookEventStatus>`CASE WHEN processing_attempts + 1 >= ${maxAttempts} THEN 'FAILED' ELSE status END`,
    })
    .where('id', '=', id)
    .where('status', 'not in', ['PROCESSED', 'IGNORED'])
    .returning(['processing_attempts as attempts', 'status'])
    .executeTakeFirst();
}
