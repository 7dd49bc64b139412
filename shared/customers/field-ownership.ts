import { AppError } from '../errors/app-error.js';
import type { Direction } from '../sync/field-mapping.js';

export interface OwnershipMapping {
  warpField: string;
  direction: Direction;
  enabled: boolean;
}

/** A changed path falls under a mapping of itself, of a parent object, or of one of its keys. */
function covers(mapped: string, changed: string): boolean {
  return mapped === changed || changed.startsWith(`${mapped}.`) || mapped.startsWith(`${changed}.`);
}

/**
 * Refuses a WARP-side change to a field HubSpot owns (an enabled HUBSPOT_TO_WARP
 * mapping): 409 FIELD_OWNED_BY_HUBSPOT naming each such field. No mapping rows
 * means nothing is owned by HubSpot.
 */
export function assertWarpMayWrite(changedFields: readonly string[], mappings: readonly OwnershipMapping[]): void {
  const owned = mappings.filter((m) => m.enabled && m.direction === 'HUBSPOT_TO_WARP');
  const refused = changedFields.filter((field) => owned.some((m) => covers(m.warpField, field)));
  if (refused.length > 0) {
    throw new AppError('FIELD_OWNED_BY_HUBSPOT', 'These fields are owned by HubSpot and cannot be changed here', {
      fields: refused,
    });
  }
}

/** The effective mapping of one customer: its override of a field replaces the global row. */
export function effectiveMappings(
  rows: readonly { customer_id: string | null; warp_field: string; direction: Direction; enabled: boolean }[],
): OwnershipMapping[] {
  const byField = new Map<string, OwnershipMapping>();
  const ordered = [...rows].sort((a, b) => Number(a.customer_id !== null) - Number(b.customer_id !== null));
  for (const row of ordered) byField.set(row.warp_field, { warpField: row.warp_field, direction: row.direction, enabled: row.enabled });
  return [...byField.values()];
}
