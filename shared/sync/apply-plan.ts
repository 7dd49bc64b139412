import { setPath } from './json-path.js';
import type { CustomerSyncPlan, FieldState, SyncSides } from './plan-customer.js';

/**
 * Applies a plan to in-memory copies of both sides and the field states, as the worker does to
 * the real ones: the writes land (stamped `at`), bases and conflicts are stored. HubSpot stores
 * exactly the strings it was sent. Used by the property tests and by anything simulating a sync.
 */
export function applyPlanToSides(sides: SyncSides, plan: CustomerSyncPlan, at: Date): SyncSides {
  let customer = sides.warp.customer;
  const warpChangedAt = { ...sides.warp.changedAt };
  for (const { warpField, value } of plan.warpWrites) {
    customer = setPath(customer, warpField, value);
    warpChangedAt[warpField] = at;
  }

  const pushed = Object.keys(plan.hubspotWrites);
  const hubspot =
    sides.hubspot === null && pushed.length === 0
      ? null
      : {
          properties: { ...sides.hubspot?.properties, ...plan.hubspotWrites },
          changedAt: { ...sides.hubspot?.changedAt, ...Object.fromEntries(pushed.map((p) => [p, at])) },
        };

  const fieldStates: Record<string, FieldState | undefined> = { ...sides.fieldStates };
  for (const warpField of plan.closedConflicts) fieldStates[warpField] = { ...fieldStates[warpField], openConflict: null };
  for (const [warpField, base] of Object.entries(plan.newBases)) fieldStates[warpField] = { ...fieldStates[warpField], base };
  for (const { warpField, hubspotProperty: _property, ...conflict } of plan.conflicts) {
    fieldStates[warpField] = { ...fieldStates[warpField], openConflict: conflict };
  }
  return { warp: { customer, changedAt: warpChangedAt }, hubspot, fieldStates };
}
