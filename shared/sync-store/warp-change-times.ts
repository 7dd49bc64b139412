import type { FieldMapping } from '../sync/field-mapping.js';
import type { CustomerFieldStates } from './field-state-repository.js';
import type { ClaimedOutboxRow } from '../outbox/outbox-claims.js';

/** What an outbox row says about a change: which WARP fields, how, and when. */
export type OutboxChange = Pick<ClaimedOutboxRow, 'operation' | 'changedFields' | 'changedAt'>;

/** True when a change recorded as `changed` covers `warpField` (`address` covers `address.city` and back). */
function covers(changed: string, warpField: string): boolean {
  return changed === warpField || warpField.startsWith(`${changed}.`) || changed.startsWith(`${warpField}.`);
}

/**
 * A CREATE changes every field. A RESYNC changes none, even when it names fields: it asks for a
 * re-check (put a value back, sync after a relink), and counting it would let a re-check outrank
 * a genuinely newer HubSpot change under LATEST_WINS.
 */
function changesField(row: OutboxChange, warpField: string): boolean {
  if (row.operation === 'RESYNC') return false;
  return row.operation === 'CREATE' || row.changedFields.some((field) => covers(field, warpField));
}

/**
 * When WARP last changed `warpField`: the newest of the outbox rows that changed it and the time
 * the field state remembers (`known`), null when neither knows. The one rule for the outbound
 * worker (its claimed rows) and the inbound processor (the customer's outbox).
 */
export function lastWarpChange(warpField: string, rows: readonly OutboxChange[], known: Date | null | undefined): Date | null {
  let latest = known ?? null;
  for (const row of rows) {
    if (changesField(row, warpField) && (latest === null || row.changedAt > latest)) latest = row.changedAt;
  }
  return latest;
}

/** lastWarpChange for each mapped field of a customer. */
export function warpChangeTimes(
  mappings: readonly FieldMapping[],
  rows: readonly OutboxChange[],
  states: CustomerFieldStates,
): Record<string, Date | null> {
  return Object.fromEntries(
    mappings.map(({ warpField }) => [warpField, lastWarpChange(warpField, rows, states[warpField]?.warpChangedAt)]),
  );
}
