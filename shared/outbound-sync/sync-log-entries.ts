import type { CustomerSyncPlan } from '../sync/plan-customer.js';
import type { LoggedFieldChanges, NewSyncLogEntry } from '../sync-store/sync-log-repository.js';

export interface LogContext {
  customerId: string;
  companyId: string | null;
  outboxId: string;
  traceId?: string;
}

export interface PushOutcome {
  /** Properties HubSpot refused, with its message; the others were written. */
  refused?: { properties: string[]; message: string };
}

/** One outbound log row of a customer's batch work (no fields). */
export function outboundEntry(
  ctx: LogContext,
  operation: string,
  status: NewSyncLogEntry['status'],
  code: string,
  message: string,
): NewSyncLogEntry {
  return {
    customer_id: ctx.customerId,
    hubspot_company_id: ctx.companyId,
    outbox_id: ctx.outboxId,
    trace_id: ctx.traceId ?? null,
    direction: 'WARP_TO_HUBSPOT',
    operation,
    status,
    error_code: code,
    error_message: message,
  };
}

const base = (ctx: LogContext) => ({
  customer_id: ctx.customerId,
  hubspot_company_id: ctx.companyId,
  outbox_id: ctx.outboxId,
  trace_id: ctx.traceId ?? null,
});

/**
 * The sync log rows for one customer's plan: one per operation (push, pull, conflicts, unreadable
 * values), or a single SKIPPED row when everything was in sync, so every handled change is visible.
 */
export function planLogEntries(ctx: LogContext, plan: CustomerSyncPlan, push: PushOutcome, pullApplied: boolean): NewSyncLogEntry[] {
  const entries: NewSyncLogEntry[] = [];
  const refused = new Set(push.refused?.properties ?? []);
  const pushed: LoggedFieldChanges = {};
  const failed: LoggedFieldChanges = {};
  const pulled: LoggedFieldChanges = {};
  const conflicts: LoggedFieldChanges = {};
  for (const d of plan.decisions) {
    const { decision } = d;
    if (decision.action === 'PUSH_TO_HUBSPOT') {
      const target = refused.has(d.hubspotProperty) ? failed : pushed;
      target[d.warpField] = { hubspotProperty: d.hubspotProperty, old: d.hubspotValue, new: decision.value, reason: decision.reason };
    } else if (decision.action === 'PULL_TO_WARP') {
      pulled[d.warpField] = { hubspotProperty: d.hubspotProperty, old: d.warpValue, new: decision.value, reason: decision.reason };
      // A restored buried edit is written back to HubSpot as well.
      if (Object.hasOwn(plan.hubspotWrites, d.hubspotProperty)) {
        const target = refused.has(d.hubspotProperty) ? failed : pushed;
        target[d.warpField] = { hubspotProperty: d.hubspotProperty, old: d.hubspotValue, new: decision.value, reason: decision.reason };
      }
    } else if (decision.action === 'OPEN_CONFLICT') {
      conflicts[d.warpField] = { hubspotProperty: d.hubspotProperty, old: decision.warpValue, new: decision.hubspotValue };
    }
  }
  const add = (fields: LoggedFieldChanges, entry: Omit<NewSyncLogEntry, 'fields' | keyof ReturnType<typeof base>>) => {
    if (Object.keys(fields).length > 0) entries.push({ ...base(ctx), ...entry, fields });
  };
  add(pushed, { direction: 'WARP_TO_HUBSPOT', operation: 'PUSH', status: 'SUCCESS' });
  add(failed, {
    direction: 'WARP_TO_HUBSPOT',
    operation: 'PUSH',
    status: 'FAILED',
    error_code: 'HUBSPOT_VALIDATION',
    error_message: push.refused?.message ?? null,
  });
  add(
    pulled,
    pullApplied
      ? { direction: 'HUBSPOT_TO_WARP', operation: 'PULL', status: 'SUCCESS' }
      : {
          direction: 'HUBSPOT_TO_WARP',
          operation: 'PULL',
          status: 'SKIPPED',
          error_code: 'CUSTOMER_CHANGED',
          error_message: 'the customer changed meanwhile; its own change syncs it again',
        },
  );
  add(conflicts, { direction: 'NONE', operation: 'CONFLICT', status: 'CONFLICT' });
  for (const error of plan.errors) {
    entries.push({
      ...base(ctx),
      direction: 'NONE',
      operation: 'READ_VALUE',
      status: 'FAILED',
      fields: { [error.warpField]: { hubspotProperty: error.hubspotProperty, side: error.side, value: String(error.error.value) } },
      error_code: error.error.code,
      error_message: error.error.message,
    });
  }
  if (entries.length === 0) entries.push({ ...base(ctx), direction: 'NONE', operation: 'IN_SYNC', status: 'SKIPPED' });
  return entries;
}
