import type { DbOrTx } from '../db/database.js';
import type { OutboxOperation } from '../db/tables/hubspot-sync.js';
import type { FieldChanges } from './changes.js';

/** Called after the change transaction commits (the Pub/Sub publish); its failure never fails the request. */
export type OnOutboxCommitted = (outboxId: string, customerId: string) => Promise<void>;

/** The outbox row of one WARP-side change; must run in the change's own transaction. */
export async function insertOutboxRow(
  tx: DbOrTx,
  change: { customerId: string; operation: OutboxOperation; changes: FieldChanges; userId: string },
): Promise<string> {
  const row = await tx
    .insertInto('hubspot_sync_queue')
    .values({
      customer_id: change.customerId,
      operation: change.operation,
      origin: 'WARP',
      changed_fields: change.changes.fields,
      old_values: change.changes.oldValues,
      new_values: change.changes.newValues,
      changed_by: change.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
