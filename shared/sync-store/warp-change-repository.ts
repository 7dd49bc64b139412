import type { DbOrTx } from '../db/database.js';
import type { OutboxChange } from './warp-change-times.js';

/**
 * Every outbox change of these customers, newest-relevant included: rows other batches hold and
 * rows written after our claim change the customer row we plan against, so WARP's change times
 * must come from the whole outbox, not from the rows a batch claimed. Read after the customer
 * rows in the same transaction: a change and its outbox row commit together, so every change the
 * customer read saw is here (a later statement sees at least what an earlier one saw).
 */
export async function loadWarpChanges(
  db: DbOrTx,
  customerIds: readonly string[],
  since?: Date | null,
): Promise<Map<string, OutboxChange[]>> {
  const changes = new Map<string, OutboxChange[]>(customerIds.map((id) => [id, []]));
  if (customerIds.length === 0) return changes;
  const rows = await db
    .selectFrom('hubspot_sync_queue')
    .select(['customer_id', 'operation', 'changed_fields', 'changed_at'])
    .where('customer_id', 'in', [...customerIds])
    .$if(since != null, (qb) => qb.where('changed_at', '>', since!))
    .execute();
  for (const row of rows)
    changes.get(row.customer_id)?.push({ operation: row.operation, changedFields: row.changed_fields, changedAt: row.changed_at });
  return changes;
}
