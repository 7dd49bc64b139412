import type { DbOrTx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { SYNC_ACTOR } from '../sync-store/sync-customer-repository.js';
import { enqueueResync as enqueueResyncRow } from '../outbox/outbox-writes.js';
import { publishOutboxRow, type OutboxPublishDeps } from '../outbox/publish-outbox-row.js';

/**
 * Outbound work requested by an inbound event (put a WARP-owned value back, re-sync after a
 * relink), origin HUBSPOT so the log says who caused it. `fields` names the fields concerned;
 * empty means the whole customer. Never a HubSpot call from here.
 */
export function enqueueResync(tx: DbOrTx, customerId: string, fields: readonly string[], now: Date): Promise<string> {
  return enqueueResyncRow(tx, { customerId, fields, origin: 'HUBSPOT', by: SYNC_ACTOR, now });
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
