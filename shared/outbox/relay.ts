import { sql } from 'kysely';
import { inTransaction, type Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { messageOfRow, type OutboxMessage } from './outbox-message.js';
import { publishedAtUnlessReleased } from './published-mark.js';

export interface RelayOptions {
  /** Rows younger than this are left to the API's own after-commit publish. */
  graceMs: number;
  /** At most this many rows per run, so one tick stays short. */
  limit: number;
  topic: string;
  /**
   * Also republish rows published long ago but still not done and untouched this long: a row
   * a worker released for retry while the message that would retry it was acked elsewhere,
   * or one claimed by a worker that died. Omit to relay unpublished and unparked rows only.
   */
  stuckAfterMs?: number;
  /** A relay that took rows and died before publishing them leaves them to another after this long. */
  leaseMs?: number;
  /**
   * Worker attempts after which a stuck row is given up instead of republished: FAILED, with a
   * CRITICAL log line for on-call. Without it the stuck sweep would resend a change that keeps
   * failing forever, past the dead-letter topic that was meant to end it.
   */
  maxAttempts?: number;
  now?: Date;
}

export interface RelayResult {
  published: number;
  failed: number;
}

const DEFAULT_LEASE_MS = 120_000;

interface RelayRow {
  id: string;
  customer_id: string;
  operation: OutboxMessage['operation'];
  origin: OutboxMessage['origin'];
  changed_at: Date;
  attempts: number;
}

/**
 * Republishes outbox rows still unpublished after the grace period (a crash between the customer
 * API's commit and its publish loses nothing), rows parked on HubSpot's daily limit once the pause
 * is over, and (with stuckAfterMs) stuck rows. No lock is held while publishing: a short
 * transaction takes the rows (SKIP LOCKED, so concurrent relays split them) and leases them
 * (claimed_at on rows no worker holds, publish_attempts), the publishes run outside it, and a
 * short statement records each outcome. A relay dying in between leaves leased rows to the next
 * one after the lease. Duplicates are harmless anyway: the worker acks a message whose row is done.
 */
export async function relayUnpublished(db: Db, publisher: MessagePublisher, options: RelayOptions, log?: Logger): Promise<RelayResult> {
  const now = options.now ?? new Date();
  const givenUp = await giveUpExhaustedRows(db, options, now);
  if (givenUp.length > 0) {
    log?.critical('outbox changes given up after repeated failures; resync them once the cause is fixed', {
      rows: givenUp.length,
      customers: [...new Set(givenUp.map((r) => r.customer_id))].slice(0, 20),
      maxAttempts: options.maxAttempts,
    });
  }
  const rows = await leaseRows(db, options, now);
  const outcomes = await Promise.allSettled(
    rows.map((row) => publisher.publish(options.topic, messageOfRow(row), { orderingKey: row.customer_id })),
  );
  const publishedRows = rows.filter((_, i) => outcomes[i]?.status === 'fulfilled');
  const publishedIds = publishedRows.map((r) => r.id);
  const failedIds = rows.filter((_, i) => outcomes[i]?.status === 'rejected').map((r) => r.id);
  // Either way the lease is over; a worker's claim taken meanwhile (PROCESSING) is its own.
  const endLease = sql<Date | null>`CASE WHEN status = 'PROCESSING' THEN claimed_at END`;
  if (publishedIds.length > 0) {
    await db
      .updateTable('hubspot_sync_queue')
      .set({ published_at: publishedAtUnlessReleased(publishedRows, new Date()), claimed_at: endLease })
      .where('id', 'in', publishedIds)
      .execute();
  }
  if (failedIds.length > 0) {
    const firstError = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as Error;
    await db
      .updateTable('hubspot_sync_queue')
      .set({ claimed_at: endLease, last_error: `publish failed: ${firstError.message}`.slice(0, 1000) })
      .where('id', 'in', failedIds)
      .execute();
    log?.warn('outbox relay could not publish some rows', { failed: failedIds.length, err: firstError });
  }
  if (rows.length > 0) log?.info('outbox relay republished rows', { published: publishedIds.length, failed: failedIds.length });
  return { published: publishedIds.length, failed: failedIds.length };
}

/** Rows no live worker holds that have used up their attempts: FAILED, never republished. */
async function giveUpExhaustedRows(db: Db, options: RelayOptions, now: Date): Promise<Array<{ id: string; customer_id: string }>> {
  if (options.maxAttempts === undefined) return [];
  const leaseCutoff = new Date(now.getTime() - (options.leaseMs ?? DEFAULT_LEASE_MS));
  return db
    .updateTable('hubspot_sync_queue')
    .set({
      status: 'FAILED',
      processed_at: now,
      claimed_at: null,
      last_error: sql<string>`left('given up after ' || attempts || ' attempts: ' || coalesce(last_error, 'no error recorded'), 1000)`,
    })
    .where('status', 'in', ['PENDING', 'PROCESSING'])
    .where('attempts', '>=', options.maxAttempts)
    .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', leaseCutoff)]))
    .returning(['id', 'customer_id'])
    .execute();
}

/**
 * The rows to relay, leased in one short transaction. A PENDING or PARKED row's claimed_at is
 * otherwise empty (workers clear it when they hand a row back), so it carries the relay's lease; a
 * PROCESSING row keeps its worker's claim time and is only published (its message finds it in
 * progress, or its lease expired and takes it over).
 */
async function leaseRows(db: Db, options: RelayOptions, now: Date): Promise<RelayRow[]> {
  const cutoff = new Date(now.getTime() - options.graceMs);
  const leaseCutoff = new Date(now.getTime() - (options.leaseMs ?? DEFAULT_LEASE_MS));
  const stuckCutoff = options.stuckAfterMs === undefined ? undefined : new Date(now.getTime() - options.stuckAfterMs);
  return inTransaction(db, async (tx) => {
    const rows = await tx
      .selectFrom('hubspot_sync_queue')
      .select(['id', 'customer_id', 'operation', 'origin', 'changed_at', 'attempts'])
      .where((eb) => {
        const notLeased = eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', leaseCutoff)]);
        const unpublished = eb.and([
          eb('status', 'in', ['PENDING', 'PROCESSING']),
          eb('published_at', 'is', null),
          eb('created_at', '<=', cutoff),
          notLeased,
        ]);
        // Parked rows come back once when HubSpot's pause is over (and again only when stuck).
        const parkedDue = eb.and([
          eb('status', '=', 'PARKED'),
          eb('next_attempt_at', '<=', now),
          notLeased,
          eb.or([
            eb('published_at', 'is', null),
            eb('published_at', '<', eb.ref('next_attempt_at')),
            ...(stuckCutoff ? [eb('published_at', '<', stuckCutoff)] : []),
          ]),
        ]);
        if (!stuckCutoff) return eb.or([unpublished, parkedDue]);
        const stuck = eb.and([
          eb('status', 'in', ['PENDING', 'PROCESSING']),
          eb('published_at', '<', stuckCutoff),
          eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', stuckCutoff)]),
        ]);
        return eb.or([unpublished, parkedDue, stuck]);
      })
      .orderBy('id')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length > 0) {
      await tx
        .updateTable('hubspot_sync_queue')
        .set({
          publish_attempts: sql`publish_attempts + 1`,
          claimed_at: sql<Date>`CASE WHEN status = 'PROCESSING' THEN claimed_at ELSE ${now} END`,
        })
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    }
    return rows;
  });
}
