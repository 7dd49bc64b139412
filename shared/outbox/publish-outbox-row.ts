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
 * Builds the customer API's `onOutboxCommitted` hook: publish the row at once. A failure is the
 * API's to log (it never fails the request); the row stays unpublished and the relay sends it
 * after its grace period.
 */
export function createOnOutboxCommitted(deps: OutboxPublishDeps): OnOutboxCommitted {
  return async (outboxId) => {
    await publishOutboxRow(deps, outboxId);
  };
}
