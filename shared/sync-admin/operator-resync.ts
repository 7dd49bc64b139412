import type { Db, DbOrTx } from '../db/database.js';
import { enqueueResync } from '../outbox/outbox-writes.js';
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
export type OperatorResync = { outboxId: string; published: true } | { outboxId: string; published: false; reason: string };

/**
 * A RESYNC (origin OPERATOR) for an operator's change to how a customer syncs, in that change's
 * transaction so the change and its resync commit together.
 */
export function enqueueOperatorResync(tx: DbOrTx, customerId: string, fields: readonly string[], by: string, now: Date): Promise<string> {
  return enqueueResync(tx, { customerId, fields, origin: 'OPERATOR', by, now });
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
