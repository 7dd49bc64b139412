import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';

/** The field and every parent path: a change recorded as `address` covers `address.city`. */
function coveringPaths(warpField: string): string[] {
  const parts = warpField.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/**
 * When WARP last changed a field, for LATEST_WINS against a HubSpot event: the newest outbox row
 * that changed it (a CREATE changes every field; a RESYNC changes nothing), or the time the field
 * state remembers, whichever is newer; null when unknown. The outbox is read, not only the field
 * state, because a WARP edit not yet synced is newer than anything the state knows.
 */
export async function lastWarpChange(
  db: DbOrTx,
  customerId: string,
  warpField: string,
  known: Date | null | undefined,
): Promise<Date | null> {
  const row = await db
    .selectFrom('hubspot_sync_queue')
    .select('changed_at')
    .where('customer_id', '=', customerId)
    .where('operation', '!=', 'RESYNC')
    .where((eb) =>
      eb.or([eb('operation', '=', 'CREATE'), sql<boolean>`changed_fields && ${coveringPaths(warpField)}::text[]`]),
    )
    .orderBy('changed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const fromOutbox = row?.changed_at ?? null;
  if (!fromOutbox || !known) return fromOutbox ?? known ?? null;
  return fromOutbox > known ? fromOutbox : known;
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
