import type { DbOrTx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { SYNC_ACTOR } from '../field-sync/sync-customer-repository.js';
import { publishOutboxRow, type OutboxPublishDeps } from '../outbox/publish-outbox-row.js';

/**
 * Outbound work requested by an inbound event (put a WARP-owned value back, re-sync after a
 * relink): an outbox row the outbound worker handles like any other, origin HUBSPOT so the log
 * says who caused it. `fields` names the fields concerned; empty means the whole customer.
 * Never a HubSpot call from here: the outbound worker batches, budgets and retries them.
 */
export async function enqueueResync(tx: DbOrTx, customerId: string, fields: readonly string[], now: Date): Promise<string> {
  const row = await tx
    .insertInto('hubspot_sync_queue')
    .values({
      customer_id: customerId,
      operation: 'RESYNC',
      origin: 'HUBSPOT',
      changed_fields: [...fields],
      changed_at: now,
      changed_by: SYNC_ACTOR,
      status: 'PENDING',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * After commit: publish the rows through the outbound helper's hook. A failed publish leaves
 * the row unpublished for the outbox relay; it never fails the event, which is already applied.
 */
export async function publishResyncs(deps: OutboxPublishDeps, ids: readonly string[], log: Logger): Promise<void> {
  for (const id of ids) {
    try {
      await publishOutboxRow(deps, id);
    } catch (err) {
      log.warn('resync request not published; the outbox relay will send it', { outboxId: id, err });
    }
  }
}
