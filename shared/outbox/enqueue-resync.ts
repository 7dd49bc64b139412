import type { DbOrTx } from '../db/database.js';
import type { OutboxOrigin } from '../db/tables/hubspot-sync.js';

export interface ResyncRequest {
  customerId: string;
  /** What the request is about, for the log; the worker always plans the whole customer. */
  fields: readonly string[];
  origin: OutboxOrigin;
  by: string;
  now: Date;
}

/**
 * A RESYNC outbox row: outbound work the worker batches, budgets and retries like any change.
 * Runs in the caller's transaction, so whatever caused it and the request commit together.
 */
export async function enqueueResync(tx: DbOrTx, request: ResyncRequest): Promise<string> {
  const row = await tx
    .insertInto('hubspot_sync_queue')
    .values({
      customer_id: request.customerId,
      operation: 'RESYNC',
      origin: request.origin,
      changed_fields: [...request.fields],
      changed_at: request.now,
      changed_by: request.by,
      status: 'PENDING',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
