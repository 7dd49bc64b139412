import { sql } from 'kysely';
import { inTransaction, type Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { outboxMessageSchema } from './outbox-message.js';

export interface RelayOptions {
  /** Rows younger than this are left to the API's own after-commit publish. */
  graceMs: number;
  /** At most this many rows per run, so one tick stays short. */
  limit: number;
  topic: string;
  /**
   * Also republish rows published long ago but still not done and untouched this long: a row
   * a worker released for retry while the message that would retry it was acked elsewhere,
   * or one claimed by a worker that died. Omit to relay unpublished rows only.
   */
  stuckAfterMs?: number;
  now?: Date;
}

export interface RelayResult {
  published: number;
  failed: number;
}

/**
 * Republishes outbox rows still unpublished after the grace period: a crash between the
 * customer API's commit and its publish loses nothing. Rows are locked with SKIP LOCKED so
 * concurrent relays split the work instead of double-publishing; a failed publish stays
 * unpublished (attempts and error recorded) for the next tick. Duplicates are harmless anyway:
 * the worker acks a message whose row is already done.
 */
export async function relayUnpublished(
  db: Db,
  publisher: MessagePublisher,
  options: RelayOptions,
  log?: Logger,
): Promise<RelayResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const stuckCutoff = options.stuckAfterMs === undefined ? undefined : new Date(now.getTime() - options.stuckAfterMs);
  return inTransaction(db, async (tx) => {
    const rows = await tx
      .selectFrom('hubspot_sync_queue')
      .select(['id', 'customer_id', 'operation', 'origin', 'changed_at'])
      .where((eb) => {
        const unpublished = eb.and([eb('published_at', 'is', null), eb('created_at', '<=', cutoff)]);
        if (!stuckCutoff) return unpublished;
        const stuck = eb.and([
          eb('status', 'in', ['PENDING', 'PROCESSING', 'PARKED']),
          eb('published_at', '<', stuckCutoff),
          eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', stuckCutoff)]),
        ]);
        return eb.or([unpublished, stuck]);
      })
      .orderBy('id')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const outcomes = await Promise.allSettled(
      rows.map((row) =>
        publisher.publish(
          options.topic,
          outboxMessageSchema.parse({
            outboxId: row.id,
            customerId: row.customer_id,
            operation: row.operation,
            origin: row.origin,
            changedAt: row.changed_at.toISOString(),
          }),
          { orderingKey: row.customer_id },
        ),
      ),
    );
    const publishedIds = rows.filter((_, i) => outcomes[i]?.status === 'fulfilled').map((r) => r.id);
    const failedIds = rows.filter((_, i) => outcomes[i]?.status === 'rejected').map((r) => r.id);
    if (publishedIds.length > 0) {
      await tx
        .updateTable('hubspot_sync_queue')
        .set({ published_at: new Date(), publish_attempts: sql`publish_attempts + 1` })
        .where('id', 'in', publishedIds)
        .execute();
    }
    if (failedIds.length > 0) {
      const firstError = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as Error;
      await tx
        .updateTable('hubspot_sync_queue')
        .set({ publish_attempts: sql`publish_attempts + 1`, last_error: `publish failed: ${firstError.message}`.slice(0, 1000) })
        .where('id', 'in', failedIds)
        .execute();
      log?.warn('outbox relay could not publish some rows', { failed: failedIds.length, err: firstError });
    }
    if (rows.length > 0) log?.info('outbox relay republished rows', { published: publishedIds.length, failed: failedIds.length });
    return { published: publishedIds.length, failed: failedIds.length };
  });
}
