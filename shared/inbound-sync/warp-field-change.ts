import type { DbOrTx } from '../db/database.js';
import { loadWarpChanges } from '../sync-store/warp-change-repository.js';
import { lastWarpChange } from '../sync-store/warp-change-times.js';

/**
 * When WARP last changed a field, for LATEST_WINS against a HubSpot event: the outbound worker's
 * rule (lastWarpChange) over the customer's outbox. The outbox is read, not only the field state,
 * because a WARP edit not yet synced is newer than anything the state knows; only rows newer than
 * `known` can move the answer.
 */
export async function lastWarpChangeOfCustomer(
  db: DbOrTx,
  customerId: string,
  warpField: string,
  known: Date | null | undefined,
): Promise<Date | null> {
  const changes = await loadWarpChanges(db, [customerId], known);
  return lastWarpChange(warpField, changes.get(customerId) ?? [], known);
}

/**
 * Remembers the newest HubSpot change seen for a field whose base stays as it is (an echo, a
 * value WARP puts back, a conflict), so an older event delivered later is recognised as stale.
 * Without a base row there is nothing to stale-check against yet, and nothing is written.
 */
export async function advanceHubspotChangedAt(db: DbOrTx, customerId: string, warpField: string, at: Date): Promise<void> {
  await db
    .updateTable('hubspot_field_state')
    .set({ hubspot_changed_at: at })
    .where('customer_id', '=', customerId)
    .where('warp_field', '=', warpField)
    .where((eb) => eb.or([eb('hubspot_changed_at', 'is', null), eb('hubspot_changed_at', '<', at)]))
    .execute();
}
