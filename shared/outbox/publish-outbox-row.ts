import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { OnOutboxCommitted } from './outbox-writes.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { messageOfRow } from './outbox-message.js';
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
  const message = messageOfRow(row);
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
 * Publishes committed rows as one group: one message, for the first, naming the others
 * (alongWith), which the worker claims with it in one batch. The rows are marked published
 * before the message goes out, so the worker's claim never finds them locked by the mark (it
 * would skip them, and no other message names them). Only rows never published nor tried
 * (attempts 0) are sent: one a worker already handed back is the relay's to republish. Should
 * the publish fail, the marks are taken back (rows still PENDING) for the relay to send them
 * after its grace period, and the error is rethrown. Returns how many rows the message carries.
 */
export async function publishOutboxGroup(deps: OutboxPublishDeps, outboxIds: readonly string[]): Promise<number> {
  if (outboxIds.length === 0) return 0;
  const at = new Date();
  const marked = await deps.db
    .updateTable('hubspot_sync_queue')
    .set({ published_at: at, publish_attempts: sql`publish_attempts + 1` })
    .where('id', 'in', [...outboxIds])
    .where('published_at', 'is', null)
    .where('attempts', '=', 0)
    .returning(['id', 'customer_id', 'operation', 'origin', 'changed_at'])
    .execute();
  const [first, ...along] = marked.sort((a, b) => Number(a.id) - Number(b.id));
  if (!first) return 0;
  const message = messageOfRow(
    first,
    along.map((row) => row.id),
  );
  try {
    await deps.publisher.publish(deps.topic, message, { orderingKey: first.customer_id });
  } catch (err) {
    await deps.db
      .updateTable('hubspot_sync_queue')
      .set({ published_at: null, last_error: `publish failed: ${(err as Error).message}`.slice(0, 1000) })
      .where(
        'id',
        'in',
        marked.map((row) => row.id),
      )
      .where('published_at', '=', at)
      .where('status', '=', 'PENDING')
      .execute();
    throw err;
  }
  return marked.length;
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
