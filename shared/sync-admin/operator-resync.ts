import type { Db, DbOrTx } from '../db/database.js';
import { publishOutboxRow } from '../outbox/publish-outbox-row.js';
import type { MessagePublisher } from '../pubsub/publisher.js';

/** Where an operator's RESYNC rows are published after commit; absent: the outbox relay sends them. */
export interface ResyncPublishing {
  publisher: MessagePublisher;
  topic: string;
}

export interface OperatorActionOptions {
  /** Publishes the action's RESYNC after commit; without it the outbox relay does. */
  publishing?: ResyncPublishing;
  now?: Date;
}

/** The RESYNC an operator action enqueued, and whether it went out at once. */
export type OperatorResync =
  | { outboxId: string; published: true }
  | { outboxId: string; published: false; reason: string };

/**
 * A RESYNC outbox row (origin OPERATOR) for an operator's change to how a customer syncs. Must run
 * in that change's transaction, so the change and its resync commit together. `fields` only tells
 * the log what the change was about: the worker always plans the whole customer.
 */
export async function enqueueOperatorResync(tx: DbOrTx, customerId: string, fields: readonly string[], by: string, now: Date): Promise<string> {
  const row = await tx
    .insertInto('hubspot_sync_queue')
    .values({
      customer_id: customerId,
      operation: 'RESYNC',
      origin: 'OPERATOR',
      changed_fields: [...fields],
      changed_at: now,
      changed_by: by,
      status: 'PENDING',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * After commit: publish the row through the outbox's own helper. A failure never undoes the
 * committed change: the row stays unpublished and the outbox relay publishes it after its grace period.
 */
export async function publishOperatorResync(db: Db, publishing: ResyncPublishing | undefined, outboxId: string): Promise<OperatorResync> {
  if (!publishing) return { outboxId, published: false, reason: 'no Pub/Sub publisher configured' };
  try {
    await publishOutboxRow({ db, ...publishing }, outboxId);
    return { outboxId, published: true };
  } catch (err) {
    return { outboxId, published: false, reason: (err as Error).message };
  }
}
