import { decideField, historyCanDecide, type FieldDecision, type HubspotValue, type OpenConflict } from './decide-field.js';
import type { FieldMapping } from './field-mapping.js';
import { getPath, type JsonObject } from './json-path.js';
import { transformFor, type Canonical, type TransformError, type WarpValue } from './transforms.js';

/**
 * Plans one customer's sync over all its resolved mappings: decides every field and gathers the
 * writes for each side. The worker then writes HubSpot in one batch call, WARP in one update, and
 * stores the new bases and conflicts with them. Steady state plans to nothing: no writes, no
 * bases to store, no conflicts.
 */
export interface FieldState {
  /** Last agreed canonical value; absent/undefined = never agreed. */
  base?: Canonical;
  openConflict?: OpenConflict | null;
  /** The property the base and conflict were agreed against; absent = the mapping's current one. */
  hubspotProperty?: string;
}

export interface WarpSide {
  customer: JsonObject;
  /** Per WARP field (path), when it last changed; missing = unknown. */
  changedAt?: Readonly<Record<string, Date | null | undefined>>;
}

export interface HubspotSide {
  properties: Readonly<Record<string, string | null | undefined>>;
  /** Per property, from `hubspotChangesOf` or a webhook's occurredAt; missing = unknown. */
  changedAt?: Readonly<Record<string, Date | null | undefined>>;
  /** Properties whose latest change was this app's own write (see HubspotValue.writtenByUs). */
  writtenByUs?: ReadonlySet<string>;
  /** Per property written by us: the newest change by anyone else under that write (see HubspotValue.buriedEdit). */
  buriedEdits?: Readonly<Record<string, { value: string | null; changedAt: Date } | undefined>>;
}

export interface SyncSides {
  warp: WarpSide;
  /** null: no company yet. Every field is then a first sync against an empty company. */
  hubspot: HubspotSide | null;
  /** Per WARP field. */
  fieldStates?: Readonly<Record<string, FieldState | undefined>>;
  /** A re-check (a RESYNC): HubSpot's history is weighed even where HubSpot is on the base. */
  recheck?: boolean;
}

export interface PlanCustomerInput extends SyncSides {
  mappings: readonly FieldMapping[];
}

export interface FieldPlanEntry {
  warpField: string;
  hubspotProperty: string;
  direction: FieldMapping['direction'];
  conflictRule: FieldMapping['conflictRule'];
  base: Canonical | undefined;
  warpValue: Canonical;
  hubspotValue: Canonical;
  decision: FieldDecision;
}

export interface PlannedConflict extends OpenConflict {
  warpField: string;
  hubspotProperty: string;
}

export interface FieldPlanError {
  warpField: string;
  hubspotProperty: string;
  side: 'WARP' | 'HUBSPOT';
  error: TransformError;
}

export interface CustomerSyncPlan {
  /** Property -> HubSpot string form ("" clears a property). Empty: no HubSpot call needed. */
  hubspotWrites: Record<string, string>;
  /** WARP-form values: money as exact text ("12.34"), integers as numbers. */
  warpWrites: Array<{ warpField: string; value: WarpValue }>;
  /** Only bases that differ from the stored ones (nothing to store in steady state). */
  newBases: Record<string, Canonical>;
  /** MANUAL conflicts to record, new or refreshed. */
  conflicts: PlannedConflict[];
  /** WARP fields whose open conflict is over (the sides agree, or the mapping is no longer MANUAL). */
  closedConflicts: string[];
  /** Every field that could be read, for the sync log. */
  decisions: FieldPlanEntry[];
  /** Fields skipped because a side's value could not be read. */
  errors: FieldPlanError[];
}

export function planCustomerSync(input: PlanCustomerInput): CustomerSyncPlan {
  const plan: CustomerSyncPlan = {
    hubspotWrites: {},
    warpWrites: [],
    newBases: {},
    conflicts: [],
    closedConflicts: [],
    decisions: [],
    errors: [],
  };
  for (const mapping of input.mappings) planField(input, mapping, plan);
  return plan;
}

/**
 * Whether HubSpot's history (change times, who wrote, buried edits) can change this customer's
 * plan, judged from the current values alone (historyCanDecide, field by field). When it cannot,
 * planning from the current values gives the plan the history would: the worker then reads
 * HubSpot without history, at twice the companies per call.
 */
export function historyCanChangePlan(input: PlanCustomerInput): boolean {
  return input.mappings.some((mapping) => {
    const read = readField(input, mapping);
    return (
      read.ok &&
      historyCanDecide({
        mapping,
        base: read.base,
        warp: read.warp,
        hubspot: read.hubspot,
        openConflict: read.state?.openConflict,
        recheck: input.recheck,
      })
    );
  });
}

type FieldRead =
  | { ok: true; warp: Canonical; hubspot: Canonical; state: FieldState | undefined; base: Canonical | undefined }
  | { ok: false; side: 'WARP' | 'HUBSPOT'; error: TransformError };

/** Both sides' canonical values of one field, and the state agreed against its current property. */
function readField(input: PlanCustomerInput, mapping: FieldMapping): FieldRead {
  const transform = transformFor(mapping.transform);
  const warpRead = transform.fromWarp(getPath(input.warp.customer, mapping.warpField));
  if (!warpRead.ok) return { ok: false, side: 'WARP', error: warpRead.error };
  const hubspotRead = transform.fromHubspot(input.hubspot?.properties[mapping.hubspotProperty]);
  if (!hubspotRead.ok) return { ok: false, side: 'HUBSPOT', error: hubspotRead.error };
  const state = currentState(input.fieldStates?.[mapping.warpField], mapping.hubspotProperty);
  return { ok: true, warp: warpRead.value, hubspot: hubspotRead.value, state, base: input.hubspot ? state?.base : undefined };
}

function planField(input: PlanCustomerInput, mapping: FieldMapping, plan: CustomerSyncPlan): void {
  const { warpField, hubspotProperty } = mapping;
  const transform = transformFor(mapping.transform);
  const read = readField(input, mapping);
  if (!read.ok) return void plan.errors.push({ warpField, hubspotProperty, side: read.side, error: read.error });
  const { state, base } = read;
  const decision = decideField({
    mapping,
    base,
    warp: { value: read.warp, changedAt: input.warp.changedAt?.[warpField] ?? null },
    hubspot: {
      value: read.hubspot,
      changedAt: input.hubspot?.changedAt?.[hubspotProperty] ?? null,
      writtenByUs: input.hubspot?.writtenByUs?.has(hubspotProperty) ?? false,
      buriedEdit: buriedEditOf(input.hubspot, hubspotProperty, transform),
    },
    openConflict: state?.openConflict ?? null,
    recheck: input.recheck,
  });
  plan.decisions.push({
    warpField,
    hubspotProperty,
    direction: mapping.direction,
    conflictRule: mapping.conflictRule,
    base,
    warpValue: read.warp,
    hubspotValue: read.hubspot,
    decision,
  });

  if (decision.action === 'OPEN_CONFLICT') {
    const { action: _action, ...conflict } = decision;
    plan.conflicts.push({ warpField, hubspotProperty, ...conflict });
    return;
  }
  if (decision.action === 'SKIP') return;
  if (decision.action === 'PUSH_TO_HUBSPOT') plan.hubspotWrites[hubspotProperty] = transform.toHubspot(decision.value);
  if (decision.action === 'PULL_TO_WARP') {
    plan.warpWrites.push({ warpField, value: transform.toWarp(decision.value) });
    // A restored buried edit is not what HubSpot shows now: it goes back there too.
    if (decision.value !== read.hubspot) plan.hubspotWrites[hubspotProperty] = transform.toHubspot(decision.value);
  }
  if (state?.base !== decision.value) plan.newBases[warpField] = decision.value;
  if (state?.openConflict) plan.closedConflicts.push(warpField);
}

/** An unreadable buried value is no evidence of anything: it is left out. */
function buriedEditOf(
  hubspot: HubspotSide | null,
  property: string,
  transform: ReturnType<typeof transformFor>,
): HubspotValue['buriedEdit'] {
  const edit = hubspot?.buriedEdits?.[property];
  if (!edit) return undefined;
  const read = transform.fromHubspot(edit.value);
  return read.ok ? { value: read.value, changedAt: edit.changedAt } : undefined;
}

/**
 * A state stored against another property is dropped: the mapping was re-pointed, and the old
 * property's base or conflict says nothing about the new one (it is a first sync again).
 */
function currentState(state: FieldState | undefined, hubspotProperty: string): FieldState | undefined {
  return state?.hubspotProperty === undefined || state.hubspotProperty === hubspotProperty ? state : undefined;
}
