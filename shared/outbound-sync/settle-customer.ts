import type { Tx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { CustomerSyncPlan } from '../sync/plan-customer.js';
import { markCompanyDeleted } from '../sync-store/company-deleted.js';
import { describeWriteError, inSavepoint, type SavepointResult } from '../db/savepoint.js';
import { saveFieldStatesOfCustomers, type FieldStatesSave } from '../sync-store/field-state-repository.js';
import { lastId, type CustomerStage, type SettlingStage, type StageOf } from './customer-work.js';
import { outboundEntry, planLogEntries, type LogContext, type PushOutcome } from './sync-log-entries.js';
import { insertSyncLog, type LoggedFieldChanges, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import { customerFieldsWrite, writeLockedCustomers, type CustomerFieldsWrite } from '../sync-store/sync-customer-repository.js';
import { insertAppliedHubspotChanges } from '../outbox/outbox-writes.js';

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
 * What settling stores: the customers' rows with the values pulled (and those values' outbox
 * records), field states and the sync log, written together by storingSettledRows.
 */
export interface SettledRows {
  customers: CustomerFieldsWrite[];
  states: FieldStatesSave[];
  logs: NewSyncLogEntry[];
}

/**
 * Runs `fn` with rows to gather and stores them after it in one statement each (update customers
 * per set of columns, insert outbox records, save field states, insert log). The customers are
 * locked at the versions planned. `now`: when the batch pushed (the states' last sync, a
 * conflict's opening).
 */
export async function storingSettledRows<T>(tx: Tx, now: Date, fn: (rows: SettledRows) => Promise<T>): Promise<T> {
  const rows: SettledRows = { customers: [], states: [], logs: [] };
  const value = await fn(rows);
  await writeLockedCustomers(tx, rows.customers, now);
  await insertAppliedHubspotChanges(
    tx,
    rows.customers.map((c) => c.change),
  );
  await saveFieldStatesOfCustomers(tx, rows.states, now);
  await insertSyncLog(tx, rows.logs);
  return value;
}

/**
 * How one customer's writes run: straight in the batch transaction, its rows gathered with every
 * other customer's and stored at once by the caller through storingSettledRows (the fast path; any
 * failure undoes the whole attempt), or in a savepoint of its own with its rows stored in it, so a
 * failure undoes that customer's writes alone.
 */
export type CustomerWrites = <T>(fn: (rows: SettledRows) => Promise<T>) => Promise<SavepointResult<T>>;

export const gatheredWrites =
  (rows: SettledRows): CustomerWrites =>
  async (fn) => ({ ok: true, value: await fn(rows) });

export const isolatedWrites =
  (tx: Tx, now: Date): CustomerWrites =>
  (fn) =>
    inSavepoint(tx, () => storingSettledRows(tx, now, fn));

/**
 * After the HubSpot write: one customer's WARP writes, field states and sync log. A company HubSpot
 * does not have marks the link DELETED instead (nothing to sync to, no retry).
 */
export async function settleCustomer(
  tx: Tx,
  stage: SettlingStage,
  now: Date,
  log: Logger,
  writes: CustomerWrites,
  traceId?: string,
): Promise<Settled> {
  switch (stage.kind) {
    case 'NOT_LINKED':
      return { warpWrites: 0, failed: true, error: stage.reason, logs: stage.logs };
    case 'COMPANY_GONE':
      return markGone(tx, stage, now, writes, traceId);
    case 'PLANNED':
      return settlePlan(tx, stage, now, log, writes, traceId);
  }
}

function logContext(stage: CustomerStage, traceId?: string): LogContext {
  return { customerId: stage.work.customer.id, companyId: stage.companyId, outboxId: lastId(stage.work.rows), traceId };
}

async function markGone(tx: Tx, stage: StageOf<'COMPANY_GONE'>, now: Date, writes: CustomerWrites, traceId?: string): Promise<Settled> {
  const ctx = logContext(stage, traceId);
  const unlinked = await writes(() => markCompanyDeleted(tx, stage.work.customer.id, stage.companyId, now));
  if (unlinked.ok) {
    const located = { outbox_id: ctx.outboxId, trace_id: traceId ?? null };
    return { warpWrites: 0, failed: true, companyDeleted: true, logs: [...stage.logs, { ...unlinked.value, ...located }] };
  }
  if (unlinked.retryable) return { warpWrites: 0, failed: false, retry: true, logs: stage.logs };
  const error = describeWriteError(unlinked.error);
  return {
    warpWrites: 0,
    failed: true,
    error: `WARP write failed: ${error}`,
    logs: [...stage.logs, outboundEntry(ctx, 'UNLINK', 'FAILED', 'WARP_WRITE_FAILED', error)],
  };
}

async function settlePlan(
  tx: Tx,
  stage: StageOf<'PLANNED'>,
  now: Date,
  log: Logger,
  writes: CustomerWrites,
  traceId?: string,
): Promise<Settled> {
  const { work, plan, push } = stage;
  const ctx = logContext(stage, traceId);
  const written = await writes(async (rows) => {
    const customer = customerFieldsWrite(work.customer, plan.warpWrites, now);
    if (customer) rows.customers.push(customer);
    rows.states.push({ customerId: work.customer.id, plan: agreedPart(plan, push), times: stateTimes(stage, now) });
    rows.logs.push(...stage.logs, ...planLogEntries(ctx, plan, push, true));
  });
  if (written.ok) {
    return {
      warpWrites: plan.warpWrites.length,
      failed: push.refused !== undefined,
      error: push.refused ? `HubSpot refused: ${push.refused.message}` : undefined,
      logs: [],
    };
  }
  if (written.retryable) return { warpWrites: 0, failed: false, retry: true, logs: unsettledEntries(stage, traceId) };
  // HubSpot was written; WARP could not be. What reached HubSpot is logged as such, and the
  // failure names the fields: the same data would fail the same way, so it is not retried.
  const error = describeWriteError(written.error);
  log.error('WARP write of a synced customer failed; its change is not retried', { customerId: work.customer.id, err: written.error });
  return {
    warpWrites: 0,
    failed: true,
    error: `WARP write failed: ${error}`,
    logs: [
      ...unsettledEntries(stage, traceId),
      { ...outboundEntry(ctx, 'SYNC', 'FAILED', 'WARP_WRITE_FAILED', error), fields: fieldsBeingWritten(plan) },
    ],
  };
}

/**
 * The log of a customer whose plan is not settled: what already happened (its link, the values
 * that reached HubSpot), without the WARP side that did not.
 */
export function unsettledEntries(stage: CustomerStage, traceId?: string): NewSyncLogEntry[] {
  if (stage.kind !== 'PLANNED') return stage.logs;
  const pushed = planLogEntries(logContext(stage, traceId), stage.plan, stage.push, false).filter((e) => e.direction === 'WARP_TO_HUBSPOT');
  return [...stage.logs, ...pushed];
}

/** The fields a failed write was storing: the WARP writes, else every field whose state changed. */
function fieldsBeingWritten(plan: CustomerSyncPlan): LoggedFieldChanges {
  const pulls = plan.decisions.filter((d) => d.decision.action === 'PULL_TO_WARP');
  const stored = new Set([...Object.keys(plan.newBases), ...plan.conflicts.map((c) => c.warpField)]);
  const fields = pulls.length > 0 ? pulls : plan.decisions.filter((d) => stored.has(d.warpField));
  return Object.fromEntries(
    fields.map((d) => [d.warpField, { hubspotProperty: d.hubspotProperty, old: d.warpValue, new: d.hubspotValue }]),
  );
}

/** The part of a plan both sides now agree on: refused writes to HubSpot did not happen (their base stays). */
function agreedPart(plan: CustomerSyncPlan, push: PushOutcome): CustomerSyncPlan {
  const refused = new Set(push.refused?.properties ?? []);
  const notApplied = new Set(plan.decisions.filter((d) => refused.has(d.hubspotProperty)).map((d) => d.warpField));
  if (notApplied.size === 0) return plan;
  return {
    ...plan,
    newBases: Object.fromEntries(Object.entries(plan.newBases).filter(([field]) => !notApplied.has(field))),
    closedConflicts: plan.closedConflicts.filter((field) => !notApplied.has(field)),
  };
}

/** Change times to store with new bases: our writes happened now; the rest as each side said. */
function stateTimes({ work, hubspot, plan }: StageOf<'PLANNED'>, now: Date) {
  const warpChangedAt = { ...work.warpChangedAt };
  const hubspotChangedAt: Record<string, Date | null | undefined> = { ...hubspot.changedAt };
  for (const d of plan.decisions) {
    if (d.decision.action === 'PULL_TO_WARP') warpChangedAt[d.warpField] = now;
    if (Object.hasOwn(plan.hubspotWrites, d.hubspotProperty)) hubspotChangedAt[d.hubspotProperty] = now;
  }
  return { warpChangedAt, hubspotChangedAt };
}
