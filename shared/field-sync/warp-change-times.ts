import type { FieldMapping } from '../sync/field-mapping.js';
import type { CustomerFieldStates } from './field-state-repository.js';
import type { ClaimedOutboxRow } from './outbox-claims.js';

/** True when a change recorded as `changed` covers `warpField` (`address` covers `address.city` and back). */
function covers(changed: string, warpField: string): boolean {
  return changed === warpField || warpField.startsWith(`${changed}.`) || changed.startsWith(`${warpField}.`);
}

/**
 * When WARP last changed each mapped field: the newest outbox row that changed it (a CREATE
 * changes every field), else the time the field state remembers, else unknown (null).
 */
export function warpChangeTimes(
  mappings: readonly FieldMapping[],
  rows: readonly ClaimedOutboxRow[],
  states: CustomerFieldStates,
): Record<string, Date | null> {
  const times: Record<string, Date | null> = {};
  for (const { warpField } of mappings) {
    let latest: Date | null = null;
    for (const row of rows) {
      const changed = row.operation === 'CREATE' || row.changedFields.some((field) => covers(field, warpField));
      if (changed && (latest === null || row.changedAt > latest)) latest = row.changedAt;
    }
    times[warpField] = latest ?? states[warpField]?.warpChangedAt ?? null;
  }
  return times;
}
