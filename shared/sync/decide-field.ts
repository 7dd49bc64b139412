import type { FieldMapping } from './field-mapping.js';
import type { Canonical } from './transforms.js';
import { whyWarpRejects } from './warp-value-rules.js';

/**
 * THE per-field decision. Pure: the same input always gives the same answer, no clock, no I/O.
 *
 * Documented choices beyond the rules:
 * - LATEST_WINS compares change times; a missing time counts as older than any known one; a tie
 *   (or both missing) goes to WARP, the system of record for the customer.
 * - No base (first sync): an empty side takes the other's value even when the empty side owns a
 *   one-way field (the owner is seeded once, nothing is wiped). Two different non-empty values
 *   are a conflict: the owner wins a one-way field, the rule settles a bidirectional one.
 * - A base of null is a real agreed value ("both were empty"), unlike an absent base.
 * - WARP cannot take every value (whyWarpRejects: required, not sync-writable, the table's limits).
 *   A HubSpot value WARP cannot hold is never pulled, nor offered in a MANUAL conflict: WARP's
 *   value is put back instead (reason WARP_REJECTS_VALUE, `rejected` says why), whatever the
 *   direction, rule or base. For a HubSpot-owned field this undoes the bad edit, and the log shows it.
 * - A HubSpot value our own app wrote (history or webhook source) that is off the base and differs
 *   from WARP's is a write of ours that landed after a newer one: WARP's value is pushed
 *   (OWN_WRITE_OUTDATED), never pulled, whatever the rule or the change times. A HubSpot-owned
 *   field is never written by us. On the base, HubSpot holds what both agreed: WARP_CHANGED.
 * - A person's edit that a write of ours buried (planned before it, landed after it) is restored
 *   under LATEST_WINS and HUBSPOT_WINS: pulled into WARP and written back to HubSpot. Looked for
 *   when HubSpot is off the base or the sync is a re-check (a RESYNC: the inbound processor asks
 *   for one when a person's edit arrives older than our write, reconciliation when it finds one).
 * - So HubSpot's history (change times, who wrote, buried edits) decides only where HubSpot is
 *   off the base or on a re-check (historyCanDecide): elsewhere the current values alone plan.
 * - An open MANUAL conflict holds the field until both sides agree (IN_SYNC closes it). If a side
 *   moves while it is open, OPEN_CONFLICT is returned again with the new values so the record is
 *   refreshed. A conflict left over after the mapping stopped being MANUAL is ignored.
 */
export interface SideValue {
  value: Canonical;
  changedAt: Date | null;
}

export interface HubspotValue extends SideValue {
  /**
   * HubSpot's latest change of the property was this app's own write. Everything we write is a
   * WARP value, so such a value carries no HubSpot-side intent: when it differs from WARP's, it
   * is an outdated write of ours (one that landed late, after a newer one) and WARP's is put back.
   */
  writtenByUs?: boolean;
  /**
   * With writtenByUs: the newest change of the property by anyone else, under our write. Later
   * than WARP's change, it is a person's edit made while our write was in flight (planned from a
   * read before it), which that write buried; see restoreBuriedEdit.
   */
  buriedEdit?: { value: Canonical; changedAt: Date };
}

export interface OpenConflict {
  warpValue: Canonical;
  hubspotValue: Canonical;
  warpChangedAt: Date | null;
  hubspotChangedAt: Date | null;
}

export interface FieldDecisionInput {
  mapping: Pick<FieldMapping, 'warpField' | 'direction' | 'conflictRule' | 'enabled'>;
  /** The last agreed canonical value; undefined means the field was never agreed. */
  base: Canonical | undefined;
  warp: SideValue;
  hubspot: HubspotValue;
  openConflict?: OpenConflict | null;
  /** A re-check (RESYNC) weighs HubSpot's history even where HubSpot is on the base (buried edits). */
  recheck?: boolean;
}

export type WriteReason =
  | 'WARP_CHANGED'
  | 'HUBSPOT_CHANGED'
  | 'FILL_EMPTY'
  | 'OWNER_WINS'
  | 'WARP_WINS'
  | 'HUBSPOT_WINS'
  | 'LATEST_WINS'
  | 'OWN_WRITE_OUTDATED'
  | 'HUBSPOT_EDIT_RESTORED'
  | 'WARP_REJECTS_VALUE';

/** The reasons the sync rules give; WARP_REJECTS_VALUE always comes with its `rejected` message. */
export type RuleReason = Exclude<WriteReason, 'WARP_REJECTS_VALUE'>;

export type SkipReason = 'DIRECTION_NONE' | 'CONFLICT_PENDING' | 'DISABLED';

export type FieldDecision =
  | { action: 'IN_SYNC'; value: Canonical }
  | { action: 'PUSH_TO_HUBSPOT'; value: Canonical; reason: RuleReason }
  /** HubSpot's value was refused; `value` is WARP's, put back. `rejected`: why, for the sync log. */
  | { action: 'PUSH_TO_HUBSPOT'; value: Canonical; reason: 'WARP_REJECTS_VALUE'; rejected: string }
  | { action: 'PULL_TO_WARP'; value: Canonical; reason: RuleReason }
  | ({ action: 'OPEN_CONFLICT' } & OpenConflict)
  | { action: 'SKIP'; reason: SkipReason };

type Side = 'WARP' | 'HUBSPOT';

export function decideField(input: FieldDecisionInput): FieldDecision {
  const { mapping, warp, hubspot } = input;
  if (mapping.enabled === false) return { action: 'SKIP', reason: 'DISABLED' };
  if (mapping.direction === 'NONE') return { action: 'SKIP', reason: 'DIRECTION_NONE' };
  const restored = restoreBuriedEdit(input);
  if (restored) return restored;
  if (warp.value === hubspot.value) return { action: 'IN_SYNC', value: warp.value };
  if (hubspot.writtenByUs && mapping.direction !== 'HUBSPOT_TO_WARP' && hubspotOffBase(input.base, warp.value, hubspot.value)) {
    return { action: 'PUSH_TO_HUBSPOT', value: warp.value, reason: 'OWN_WRITE_OUTDATED' };
  }
  const manual = mapping.direction === 'BIDIRECTIONAL' && mapping.conflictRule === 'MANUAL';
  const decision = manual && input.openConflict ? keepConflict(input.openConflict, warp, hubspot) : settle(input);
  return guardWarpWrite(mapping.warpField, decision, warp.value, hubspot.value);
}

/**
 * A person's HubSpot edit buried by our in-flight write wins where it would have won had our read
 * seen it: under LATEST_WINS (it is later than WARP's change) and HUBSPOT_WINS it is pulled and
 * written back to HubSpot. WARP_WINS keeps our write. MANUAL keeps it too: a conflict on a value
 * HubSpot no longer shows could not be settled for HubSpot by moving the base. Unknown WARP
 * change times prove nothing; a value WARP cannot hold leaves our write standing.
 */
function restoreBuriedEdit({ mapping, base, warp, hubspot, recheck }: FieldDecisionInput): FieldDecision | null {
  const edit = hubspot.buriedEdit;
  if (!hubspot.writtenByUs || !edit || !restoresBuriedEdits(mapping)) return null;
  if (!recheck && !hubspotOffBase(base, warp.value, hubspot.value)) return null;
  if (edit.value === warp.value || warp.changedAt === null || edit.changedAt.getTime() <= warp.changedAt.getTime()) return null;
  const pull: FieldDecision = { action: 'PULL_TO_WARP', value: edit.value, reason: 'HUBSPOT_EDIT_RESTORED' };
  return guardWarpWrite(mapping.warpField, pull, warp.value, edit.value).action === 'PULL_TO_WARP' ? pull : null;
}

/**
 * HubSpot's value is not the agreed one: it moved off the base, or, with no base yet, the two
 * sides differ. Only then (or on a re-check) can HubSpot's history change a decision.
 */
export function hubspotOffBase(base: Canonical | undefined, warp: Canonical, hubspot: Canonical): boolean {
  return base === undefined ? warp !== hubspot : hubspot !== base;
}

/** Whether HubSpot's history can change this field's decision, judged from the current values alone. */
export function historyCanDecide(
  input: Pick<FieldDecisionInput, 'mapping' | 'base' | 'recheck' | 'openConflict'> & { warp: Canonical; hubspot: Canonical },
): boolean {
  const { mapping } = input;
  if (mapping.enabled === false || mapping.direction === 'NONE') return false;
  // An open conflict refreshed with new values records HubSpot's change time.
  if (input.openConflict && mapping.direction === 'BIDIRECTIONAL' && mapping.conflictRule === 'MANUAL') return true;
  return input.recheck === true || hubspotOffBase(input.base, input.warp, input.hubspot);
}

/** Mappings under which a buried HubSpot edit can win (see restoreBuriedEdit). */
export function restoresBuriedEdits(mapping: Pick<FieldMapping, 'direction' | 'conflictRule'>): boolean {
  return mapping.direction === 'BIDIRECTIONAL' && (mapping.conflictRule === 'LATEST_WINS' || mapping.conflictRule === 'HUBSPOT_WINS');
}

function settle({ mapping, base, warp, hubspot }: FieldDecisionInput): FieldDecision {
  const write = (to: Side, reason: RuleReason): FieldDecision =>
    to === 'HUBSPOT' ? { action: 'PUSH_TO_HUBSPOT', value: warp.value, reason } : { action: 'PULL_TO_WARP', value: hubspot.value, reason };
  const mover = whoMoved(base, warp.value, hubspot.value);
  const owner = ownerOf(mapping.direction);

  if (mover === 'BOTH') {
    if (owner) return write(other(owner), 'OWNER_WINS');
    switch (mapping.conflictRule) {
      case 'WARP_WINS':
        return write('HUBSPOT', 'WARP_WINS');
      case 'HUBSPOT_WINS':
        return write('WARP', 'HUBSPOT_WINS');
      case 'LATEST_WINS':
        return write(other(latest(warp.changedAt, hubspot.changedAt)), 'LATEST_WINS');
      case 'MANUAL':
        return openConflict(warp, hubspot);
    }
  }
  if (base === undefined) return write(other(mover), 'FILL_EMPTY');
  if (owner === other(mover)) return write(mover, 'OWNER_WINS');
  return write(other(mover), mover === 'WARP' ? 'WARP_CHANGED' : 'HUBSPOT_CHANGED');
}

/** Which side holds news; the values differ, so at least one side moved from the base. */
function whoMoved(base: Canonical | undefined, warp: Canonical, hubspot: Canonical): Side | 'BOTH' {
  if (base === undefined) {
    if (warp === null) return 'HUBSPOT';
    return hubspot === null ? 'WARP' : 'BOTH';
  }
  if (warp !== base && hubspot !== base) return 'BOTH';
  return warp !== base ? 'WARP' : 'HUBSPOT';
}

function ownerOf(direction: FieldMapping['direction']): Side | null {
  if (direction === 'WARP_TO_HUBSPOT') return 'WARP';
  return direction === 'HUBSPOT_TO_WARP' ? 'HUBSPOT' : null;
}

const other = (side: Side): Side => (side === 'WARP' ? 'HUBSPOT' : 'WARP');

function latest(warpAt: Date | null, hubspotAt: Date | null): Side {
  if (hubspotAt === null) return 'WARP';
  if (warpAt === null) return 'HUBSPOT';
  return hubspotAt.getTime() > warpAt.getTime() ? 'HUBSPOT' : 'WARP';
}

function openConflict(warp: SideValue, hubspot: SideValue): FieldDecision {
  return {
    action: 'OPEN_CONFLICT',
    warpValue: warp.value,
    hubspotValue: hubspot.value,
    warpChangedAt: warp.changedAt,
    hubspotChangedAt: hubspot.changedAt,
  };
}

function keepConflict(open: OpenConflict, warp: SideValue, hubspot: SideValue): FieldDecision {
  const unchanged = open.warpValue === warp.value && open.hubspotValue === hubspot.value;
  return unchanged ? { action: 'SKIP', reason: 'CONFLICT_PENDING' } : openConflict(warp, hubspot);
}

/**
 * Decisions that take HubSpot's value into WARP, or put it before a person who could choose it
 * (a MANUAL conflict, new or pending), are checked against what WARP can hold.
 */
function guardWarpWrite(warpField: string, decision: FieldDecision, warpValue: Canonical, hubspotValue: Canonical): FieldDecision {
  const takesHubspotValue =
    decision.action === 'PULL_TO_WARP' ||
    decision.action === 'OPEN_CONFLICT' ||
    (decision.action === 'SKIP' && decision.reason === 'CONFLICT_PENDING');
  const rejected = takesHubspotValue ? whyWarpRejects(warpField, hubspotValue) : null;
  return rejected === null ? decision : { action: 'PUSH_TO_HUBSPOT', value: warpValue, reason: 'WARP_REJECTS_VALUE', rejected };
}

/**
 * An inbound HubSpot event is stale when it happened before the change of that property we
 * already know about (events arrive out of order). Same instant: not stale (a redelivery of the
 * known change, which plans to nothing anyway).
 */
export function isStaleHubspotEvent(lastKnownHubspotChangeAt: Date | null | undefined, eventOccurredAt: Date): boolean {
  return lastKnownHubspotChangeAt != null && eventOccurredAt.getTime() < lastKnownHubspotChangeAt.getTime();
}
