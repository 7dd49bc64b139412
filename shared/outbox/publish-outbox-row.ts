import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OnOutboxCommitted } from './outbox-writes.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { outboxMessageSchema, type OutboxMessage } from './outbox-message.js';
import { publishedAtUnlessReleased } from './published-mark.js';

export interface OutboxPublishDeps {
  db: Db;
  publisher: MessagePublisher;
  topic: string;
}

/**
 * Publishes one committed outbox row (ordering key: the customer, so one customer's changes
 * arrive in order) and records the outcome on the row. Returns false when the row is gone or
 * already published; a publish error is recorded (publish_attempts, last_error) and rethrown.
 */
export async function publishOutboxRow(deps: OutboxPublishDeps, outboxId: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom('hubspot_sync_queue')
    .select(['id', 'customer_id', 'operation', 'origin', 'changed_at', 'published_at', 'attempts'])
    .where('id', '=', outboxId)
    .executeTakeFirst();
  if (!row || row.published_at !== null) return false;
  const message: OutboxMessage = outboxMessageSchema.parse({
    outboxId: row.id,
    customerId: row.customer_id,
    operation: row.operation,
    origin: row.origin,
    changedAt: row.changed_at.toISOString(),
  });
  try {
    await deps.publisher.publish(deps.topic, message, { orderingKey: row.customer_id });
  } catch (err) {
    await deps.db
      .updateTable('hubspot_sync_queue')
      .set({ publish_attempts: sql`publish_attempts + 1`, last_error: `publish failed: ${(err as Error).message}`.slice(0, 1000) })
      .where('id', '=', outboxId)
      .execute();
    throw err;
  }
  await deps.db
    .updateTable('hubspot_sync_queue')
    .set({ published_at: publishedAtUnlessReleased([row], new Date()), publish_attempts: sql`publish_attempts + 1` })
    .where('id', '=', outboxId)
    .execute();
  return true;
}

/**
 * Marks published, without a message, the rows a worker has claimed already (with another row's
 * message): their work is in hand, and a failing worker hands them back for the relay to republish,
 * as it does for any row it took along. Returns the ids still PENDING, which need their own message.
 * A single statement, so a row released between the check and the mark cannot lose its republish.
 */
export async function markClaimedPublished(db: Db, outboxIds: readonly string[]): Promise<string[]> {
  if (outboxIds.length === 0) return [];
  const marked = await db
    .updateTable('hubspot_sync_queue')
    .set({ published_at: new Date() })
    .where('id', 'in', [...outboxIds])
    .where('published_at', 'is', null)
    .where('status', '!=', 'PENDING')
    .returning('id')
    .execute();
  const taken = new Set(marked.map((r) => r.id));
  return outboxIds.filter((id) => !taken.has(id));
}

/**
 * Builds the customer API's `onOutboxCommitted` hook: publish the row at once. A failure is the
 * API's to log (it never fails the request); the row stays unpublished and the relay sends it
 * after its grace period.
 */
export function createOnOutboxCommitted(deps: OutboxPublishDeps): OnOutboxCommitted {
  return async (outboxId) => {
    await publishOutboxRow(deps, outboxId);
  };
}
