import { sql } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import type { CustomerSyncPlan, FieldState } from '../sync/plan-customer.js';
import type { Canonical } from '../sync/transforms.js';

/** A stored `hubspot_field_state` row, in the planner's terms plus the change times. */
export interface StoredFieldState extends FieldState {
  hubspotProperty: string;
  warpChangedAt: Date | null;
  hubspotChangedAt: Date | null;
}

export type CustomerFieldStates = Record<string, StoredFieldState>;

/** A field state row as json_build_array lists it in loadFieldStates; timestamps in epoch milliseconds. */
type StateTuple = [
  warpField: string,
  hubspotProperty: string,
  base: string | null,
  hasBase: boolean,
  warpChangedAt: number | null,
  hubspotChangedAt: number | null,
  conflictOpen: boolean,
  conflictWarpValue: string | null,
  conflictHubspotValue: string | null,
  conflictWarpAt: number | null,
  conflictHubspotAt: number | null,
];

/**
 * Field states per customer and WARP field. A missing field has no base yet. Rows come by the
 * thousand per sync batch, so each customer's come as one JSON array: one JSON.parse instead of a
 * dozen typed columns per row, which made this read the batch's costliest to decode. Not
 * last_synced_at nor conflict_opened_at: the planner needs neither.
 */
export async function loadFieldStates(db: DbOrTx, customerIds: readonly string[]): Promise<Map<string, CustomerFieldStates>> {
  const result = new Map<string, CustomerFieldStates>(customerIds.map((id) => [id, {}]));
  if (customerIds.length === 0) return result;
  const rows = await db
    .selectFrom('hubspot_field_state')
    .select([
      'customer_id',
      sql<StateTuple[]>`json_agg(json_build_array(
        warp_field, hubspot_property, base_value, has_base,
        ${epochMs('warp_changed_at')}, ${epochMs('hubspot_changed_at')},
        conflict_status = 'OPEN', conflict_warp_value, conflict_hubspot_value,
        ${epochMs('conflict_warp_at')}, ${epochMs('conflict_hubspot_at')}))`.as('states'),
    ])
    .where('customer_id', 'in', [...customerIds])
    .groupBy('customer_id')
    .execute();
  for (const row of rows) {
    const states = result.get(row.customer_id)!;
    for (const [warpField, hubspotProperty, base, hasBase, warpAt, hubspotAt, open, ...conflict] of row.states) {
      const [conflictWarpValue, conflictHubspotValue, conflictWarpAt, conflictHubspotAt] = conflict;
      states[warpField] = {
        base: hasBase ? base : undefined,
        openConflict: open
          ? {
              warpValue: conflictWarpValue,
              hubspotValue: conflictHubspotValue,
              warpChangedAt: dateOf(conflictWarpAt),
              hubspotChangedAt: dateOf(conflictHubspotAt),
            }
          : null,
        hubspotProperty,
        warpChangedAt: dateOf(warpAt),
        hubspotChangedAt: dateOf(hubspotAt),
      };
    }
  }
  return result;
}

/** A timestamp as whole milliseconds since the epoch (truncated, as Date keeps it): far cheaper to decode than text. */
function epochMs(column: 'warp_changed_at' | 'hubspot_changed_at' | 'conflict_warp_at' | 'conflict_hubspot_at') {
  return sql`floor(extract(epoch FROM ${sql.ref(column)}) * 1000)`;
}

function dateOf(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export interface FieldStateTimes {
  /** Per WARP field: when WARP last changed it, as far as this sync knows. */
  warpChangedAt: Readonly<Record<string, Date | null | undefined>>;
  /** Per HubSpot property. */
  hubspotChangedAt: Readonly<Record<string, Date | null | undefined>>;
}

/** One customer's agreed plan to store (saveFieldStatesOfCustomers). */
export interface FieldStatesSave {
  customerId: string;
  plan: Pick<CustomerSyncPlan, 'newBases' | 'conflicts' | 'closedConflicts' | 'decisions'>;
  times: FieldStateTimes;
}

/**
 * Stores what a plan agreed: new bases (with both sides' change times), MANUAL conflicts opened or
 * refreshed, conflicts closed. Fields the plan did not touch keep their rows. A conflict on a field
 * that never had a base is stored with has_base false, so it still reads as "no base yet".
 */
export function saveFieldStates(
  db: DbOrTx,
  customerId: string,
  plan: FieldStatesSave['plan'],
  times: FieldStateTimes,
  now: Date,
): Promise<void> {
  return saveFieldStatesOfCustomers(db, [{ customerId, plan, times }], now);
}

/** saveFieldStates for many customers: every new base in one statement (a sync batch settles 100 at once). */
export async function saveFieldStatesOfCustomers(db: DbOrTx, saves: readonly FieldStatesSave[], now: Date): Promise<void> {
  const baseRows = saves.flatMap((save) => baseRowsOf(save, now));
  if (baseRows.length > 0) {
    await db
      .insertInto('hubspot_field_state')
      .values(baseRows)
      .onConflict((oc) =>
        oc.columns(['customer_id', 'warp_field']).doUpdateSet((eb) => ({
          hubspot_property: eb.ref('excluded.hubspot_property'),
          base_value: eb.ref('excluded.base_value'),
          has_base: true,
          warp_changed_at: eb.fn.coalesce('excluded.warp_changed_at', 'hubspot_field_state.warp_changed_at'),
          hubspot_changed_at: eb.fn.coalesce('excluded.hubspot_changed_at', 'hubspot_field_state.hubspot_changed_at'),
          last_synced_at: eb.ref('excluded.last_synced_at'),
          conflict_status: eb.ref('excluded.conflict_status'),
          conflict_warp_value: eb.ref('excluded.conflict_warp_value'),
          conflict_hubspot_value: eb.ref('excluded.conflict_hubspot_value'),
          conflict_warp_at: eb.ref('excluded.conflict_warp_at'),
          conflict_hubspot_at: eb.ref('excluded.conflict_hubspot_at'),
          conflict_opened_at: eb.ref('excluded.conflict_opened_at'),
        })),
      )
      .execute();
  }
  for (const { customerId, plan } of saves) await saveConflicts(db, customerId, plan, now);
}

function baseRowsOf({ customerId, plan, times }: FieldStatesSave, now: Date) {
  const propertyOf = new Map(plan.decisions.map((d) => [d.warpField, d.hubspotProperty]));
  return Object.entries(plan.newBases).map(([warpField, base]: [string, Canonical]) => {
    const hubspotProperty = propertyOf.get(warpField) ?? warpField;
    return {
      customer_id: customerId,
      warp_field: warpField,
      hubspot_property: hubspotProperty,
      base_value: base,
      has_base: true,
      warp_changed_at: times.warpChangedAt[warpField] ?? null,
      hubspot_changed_at: times.hubspotChangedAt[hubspotProperty] ?? null,
      last_synced_at: now,
      // A new base means both sides agree: any conflict on the field is over.
      ...CLEARED_CONFLICT,
    };
  });
}

/** Conflicts closed without a new base, and MANUAL conflicts opened or refreshed (rare: a statement each). */
async function saveConflicts(db: DbOrTx, customerId: string, plan: FieldStatesSave['plan'], now: Date): Promise<void> {
  const baseless = plan.closedConflicts.filter((warpField) => !Object.hasOwn(plan.newBases, warpField));
  if (baseless.length > 0) {
    await db
      .updateTable('hubspot_field_state')
      .set(CLEARED_CONFLICT)
      .where('customer_id', '=', customerId)
      .where('warp_field', 'in', [...baseless])
      .execute();
  }
  for (const conflict of plan.conflicts) {
    const values = {
      conflict_status: 'OPEN' as const,
      conflict_warp_value: conflict.warpValue,
      conflict_hubspot_value: conflict.hubspotValue,
      conflict_warp_at: conflict.warpChangedAt,
      conflict_hubspot_at: conflict.hubspotChangedAt,
    };
    await db
      .insertInto('hubspot_field_state')
      .values({
        customer_id: customerId,
        warp_field: conflict.warpField,
        hubspot_property: conflict.hubspotProperty,
        base_value: null,
        has_base: false,
        conflict_opened_at: now,
        ...values,
      })
      .onConflict((oc) =>
        oc.columns(['customer_id', 'warp_field']).doUpdateSet((eb) => ({
          ...values,
          // Refreshing an open conflict keeps the time it was first opened.
          conflict_opened_at: eb.fn.coalesce('hubspot_field_state.conflict_opened_at', eb.val(now)),
        })),
      )
      .execute();
  }
}

const CLEARED_CONFLICT = {
  conflict_status: 'NONE' as const,
  conflict_warp_value: null,
  conflict_hubspot_value: null,
  conflict_warp_at: null,
  conflict_hubspot_at: null,
  conflict_opened_at: null,
};
