import type { Tx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import type { CustomerSyncPlan, HubspotSide } from '../sync/plan-customer.js';
import { markCompanyDeleted } from '../sync-store/company-deleted.js';
import { describeWriteError, inSavepoint, type SavepointResult } from '../db/savepoint.js';
import { saveFieldStates, type CustomerFieldStates } from '../sync-store/field-state-repository.js';
import type { ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import { outboundEntry, planLogEntries, type LogContext, type PushOutcome } from './sync-log-entries.js';
import { insertSyncLog, type LoggedFieldChanges, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import { applyWarpWrites, type SyncCustomer } from '../sync-store/sync-customer-repository.js';

/** One customer of a batch, from its claimed rows to what HubSpot said. */
export interface CustomerWork {
  customer: SyncCustomer;
  rows: ClaimedOutboxRow[];
  mappings: FieldMapping[];
  states: CustomerFieldStates;
  /** When WARP last changed each mapped field, from the customer's whole outbox. */
  warpChangedAt: Record<string, Date | null>;
  companyId: string | null;
  hubspot: HubspotSide | null;
  /** HubSpot does not have the linked company any more (archived or deleted before we heard). */
  companyGone: boolean;
  /** HubSpot merged the linked company into this one (the read answered with the survivor). */
  mergedInto?: string;
  /** Why the customer could not be linked to a company. */
  linkFailure?: string;
  plan?: CustomerSyncPlan;
  push: PushOutcome;
  logs: NewSyncLogEntry[];
}

export function lastId(rows: readonly ClaimedOutboxRow[]): string {
  return rows[rows.length - 1]!.id;
}

export interface Settled {
  warpWrites: number;
  failed: boolean;
  /** A transient database error undid the customer's writes: plan it again, do not fail it. */
  retry?: boolean;
  /** HubSpot no longer has the company: the link was marked DELETED (alert once committed). */
  companyDeleted?: boolean;
  /** Set when the customer's rows fail. */
  error?: string;
  /** Log rows to write outside the customer's savepoint (those inside it are written already). */
  logs: NewSyncLogEntry[];
}

/**
 * How one customer's writes run: straight in the batch transaction (the fast path; any failure
 * undoes the whole attempt), or each in a savepoint of its own, so a failure undoes that
 * customer's writes alone.
 */
export type CustomerWrites = <T>(fn: () => Promise<T>) => Promise<SavepointResult<T>>;

export const directWrites: CustomerWrites = async (fn) => ({ ok: true, value: await fn() });

export const isolatedWrites =
  (tx: Tx): CustomerWrites =>
  (fn) =>
    inSavepoint(tx, fn);

/**
 * After the HubSpot write: one customer's WARP writes, field states and sync log. A company HubSpot
 * does not have marks the link DELETED instead (nothing to sync to, no retry).
 */
export async function settleCustomer(tx: Tx, w: CustomerWork, now: Date, log: Logger, writes: CustomerWrites, traceId?: string): Promise<Settled> {
  const ctx: LogContext = { customerId: w.customer.id, companyId: w.companyId, outboxId: lastId(w.rows), traceId };
  const located = { outbox_id: ctx.outboxId, trace_id: traceId ?? null };
  if (!w.companyId) {
    return { warpWrites: 0, failed: true, error: w.linkFailure ?? 'no HubSpot company', logs: w.logs };
  }
  if (w.companyGone) {
    const companyId = w.companyId;
    const unlinked = await writes(() => markCompanyDeleted(tx, w.customer.id, companyId, now));
    if (unlinked.ok) return { warpWrites: 0, failed: true, companyDeleted: true, logs: [...w.logs, { ...unlinked.value, ...located }] };
    if (unlinked.retryable) return { warpWrites: 0, failed: false, retry: true, logs: unsettledEntries(w, traceId) };
    const error = describeWriteError(unlinked.error);
    return { warpWrites: 0, failed: true, error: `WARP write failed: ${error}`, logs: [...w.logs, outboundEntry(ctx, 'UNLINK', 'FAILED', 'WARP_WRITE_FAILED', error)] };
  }
  const plan = w.plan!;
  const written = await writes(async () => {
    const { applied } = await applyWarpWrites(tx, w.customer, plan.warpWrites, now);
    await saveFieldStates(tx, w.customer.id, agreedPart(plan, w.push, applied), stateTimes(w, now), now);
    await insertSyncLog(tx, [...w.logs, ...planLogEntries(ctx, plan, w.push, applied)]);
    return applied;
  });
  if (written.ok) {
    return {
      warpWrites: written.value ? plan.warpWrites.length : 0,
      failed: w.push.refused !== undefined,
      error: w.push.refused ? `HubSpot refused: ${w.push.refused.message}` : undefined,
      logs: [],
    };
  }
  if (written.retryable) return { warpWrites: 0, failed: false, retry: true, logs: unsettledEntries(w, traceId) };
  // HubSpot was written; WARP could not be. What reached HubSpot is logged as such, and the
  // failure names the fields: the same data would fail the same way, so it is not retried.
  const error = describeWriteError(written.error);
  log.error('WARP write of a synced customer failed; its change is not retried', { customerId: w.customer.id, err: written.error });
  return {
    warpWrites: 0,
    failed: true,
    error: `WARP write failed: ${error}`,
    logs: [...unsettledEntries(w, traceId), { ...outboundEntry(ctx, 'SYNC', 'FAILED', 'WARP_WRITE_FAILED', error), fields: fieldsBeingWritten(plan) }],
  };
}

/**
 * The log of a customer whose plan is not settled: what already happened (its link, the values
 * that reached HubSpot), without the WARP side that did not.
 */
export function unsettledEntries(w: CustomerWork, traceId?: string): NewSyncLogEntry[] {
  if (!w.plan) return w.logs;
  const ctx: LogContext = { customerId: w.customer.id, companyId: w.companyId, outboxId: lastId(w.rows), traceId };
  return [...w.logs, ...planLogEntries(ctx, w.plan, w.push, false).filter((e) => e.direction === 'WARP_TO_HUBSPOT')];
}

/** The fields a failed write was storing: the WARP writes, else every field whose state changed. */
function fieldsBeingWritten(plan: CustomerSyncPlan): LoggedFieldChanges {
  const pulls = plan.decisions.filter((d) => d.decision.action === 'PULL_TO_WARP');
  const stored = new Set([...Object.keys(plan.newBases), ...plan.conflicts.map((c) => c.warpField)]);
  const fields = pulls.length > 0 ? pulls : plan.decisions.filter((d) => stored.has(d.warpField));
  return Object.fromEntries(fields.map((d) => [d.warpField, { hubspotProperty: d.hubspotProperty, old: d.warpValue, new: d.hubspotValue }]));
}

/**
 * The part of a plan both sides now agree on: refused writes to HubSpot did not happen (their base stays),
 * and pulls skipped because the customer changed meanwhile did not either.
 */
function agreedPart(plan: CustomerSyncPlan, push: PushOutcome, pullApplied: boolean): CustomerSyncPlan {
  const refused = new Set(push.refused?.properties ?? []);
  const notApplied = new Set(
    plan.decisions
      .filter((d) => refused.has(d.hubspotProperty) || (d.decision.action === 'PULL_TO_WARP' && !pullApplied))
      .map((d) => d.warpField),
  );
  if (notApplied.size === 0) return plan;
  return {
    ...plan,
    newBases: Object.fromEntries(Object.entries(plan.newBases).filter(([field]) => !notApplied.has(field))),
    closedConflicts: plan.closedConflicts.filter((field) => !notApplied.has(field)),
  };
}

/** Change times to store with new bases: our writes happened now; the rest as each side said. */
function stateTimes(w: CustomerWork, now: Date) {
  const warpChangedAt = { ...w.warpChangedAt };
  const hubspotChangedAt: Record<string, Date | null | undefined> = { ...w.hubspot?.changedAt };
  for (const d of w.plan!.decisions) {
    if (d.decision.action === 'PULL_TO_WARP') warpChangedAt[d.warpField] = now;
    if (Object.hasOwn(w.plan!.hubspotWrites, d.hubspotProperty)) hubspotChangedAt[d.hubspotProperty] = now;
  }
  return { warpChangedAt, hubspotChangedAt };
}
