import { inTransaction, type Db, type Tx } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import { hubspotChangeTimes, propertiesWithHistorySchema } from '../sync/hubspot-history.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync, type CustomerSyncPlan, type HubspotSide } from '../sync/plan-customer.js';
import { lockCustomersForSync } from './customer-sync-lock.js';
import { loadFieldStates, saveFieldStates, type CustomerFieldStates } from './field-state-repository.js';
import { loadEffectiveMappings } from './mapping-repository.js';
import { completeOutboxRows, type ClaimedOutboxRow } from './outbox-claims.js';
import { planLogEntries, type LogContext, type PushOutcome } from './sync-log-entries.js';
import { insertSyncLog, type NewSyncLogEntry } from './sync-log-repository.js';
import { applyWarpWrites, linkCustomerToCompany, loadCustomers, type SyncCustomer } from './sync-customer-repository.js';
import { warpChangeTimes } from './warp-change-times.js';

/** The HubSpot calls the outbound sync makes; the adapter splits them to HubSpot's batch limits. */
export type CompanyGateway = Pick<HubspotCompanies, 'batchReadWithHistory' | 'batchUpsertByUniqueProperty' | 'batchUpdate'>;

export interface SyncBatchDeps {
  db: Db;
  companies: CompanyGateway;
  log: Logger;
  now: () => Date;
}

export interface SyncBatchResult {
  customers: number;
  hubspotWrites: number;
  warpWrites: number;
  failedCustomers: number;
}

interface CustomerWork {
  customer: SyncCustomer;
  rows: ClaimedOutboxRow[];
  mappings: FieldMapping[];
  states: CustomerFieldStates;
  companyId: string | null;
  hubspot: HubspotSide | null;
  plan?: CustomerSyncPlan;
  push: PushOutcome;
  logs: NewSyncLogEntry[];
}

/**
 * Syncs every customer of a claimed batch with one HubSpot history read per 50 companies and one
 * batch write per 100 (the adapter splits at those limits), inside one transaction that holds the customers' sync locks from the
 * first read to the last write, so a concurrent sync of the same customer plans from our result.
 * HubSpot is written before the transaction commits: if we die in between, the next run reads
 * HubSpot's new values, finds them equal to WARP's and stores them as the base (converges).
 * HubSpot errors that outlive the adapter's retries propagate (the caller releases the rows).
 */
export async function syncClaimedRows(deps: SyncBatchDeps, claimed: readonly ClaimedOutboxRow[], traceId?: string): Promise<SyncBatchResult> {
  const rowsByCustomer = new Map<string, ClaimedOutboxRow[]>();
  for (const row of claimed) rowsByCustomer.set(row.customerId, [...(rowsByCustomer.get(row.customerId) ?? []), row]);
  const customerIds = [...rowsByCustomer.keys()];

  return inTransaction(deps.db, async (tx) => {
    await lockCustomersForSync(tx, customerIds);
    const now = deps.now();
    const [customers, mappings, states] = await Promise.all([
      loadCustomers(tx, customerIds),
      loadEffectiveMappings(tx, customerIds),
      loadFieldStates(tx, customerIds),
    ]);

    const work: CustomerWork[] = [];
    const skipped: NewSyncLogEntry[] = [];
    let failedCustomers = 0;
    for (const customerId of customerIds) {
      const rows = rowsByCustomer.get(customerId)!;
      const customer = customers.get(customerId);
      const ctx: LogContext = { customerId, companyId: customer?.hubspot_company_id ?? null, outboxId: lastId(rows), traceId };
      const mapping = mappings.get(customerId);
      if (!customer || !mapping) continue; // deleted meanwhile: its rows went with it (cascade)
      if (!mapping.ok) {
        failedCustomers++;
        skipped.push(entry(ctx, 'SYNC', 'FAILED', 'INVALID_MAPPING', mapping.error));
        await completeOutboxRows(tx, rows.map((r) => r.id), mapping.error);
        continue;
      }
      if (customer.hubspot_link_status === 'DELETED') {
        skipped.push(entry(ctx, 'SYNC', 'SKIPPED', 'COMPANY_DELETED', 'the linked HubSpot company was deleted; relink it to sync'));
        await completeOutboxRows(tx, rows.map((r) => r.id), 'linked HubSpot company deleted');
        continue;
      }
      work.push({
        customer,
        rows,
        mappings: mapping.mappings,
        states: states.get(customerId) ?? {},
        companyId: customer.hubspot_company_id,
        hubspot: null,
        push: {},
        logs: [],
      });
    }

    await linkNewCompanies(deps, tx, work, traceId);
    await readCompanies(deps, work);

    for (const w of work) {
      if (!w.companyId || !w.hubspot) continue; // no company, or HubSpot does not have it
      w.plan = planCustomerSync({
        mappings: w.mappings,
        warp: { customer: w.customer as unknown as JsonObject, changedAt: warpChangeTimes(w.mappings, w.rows, w.states) },
        hubspot: w.hubspot,
        fieldStates: w.states,
      });
    }

    const hubspotWrites = await pushToHubspot(deps, work);

    let warpWrites = 0;
    for (const w of work) {
      const ctx: LogContext = { customerId: w.customer.id, companyId: w.companyId, outboxId: lastId(w.rows), traceId };
      if (!w.plan || !w.companyId) {
        failedCustomers++;
        w.logs.push(entry(ctx, 'SYNC', 'FAILED', 'COMPANY_NOT_FOUND', `HubSpot has no company ${w.companyId ?? '(none)'}`));
        await completeOutboxRows(tx, w.rows.map((r) => r.id), 'HubSpot company not found');
        continue;
      }
      const { applied } = await applyWarpWrites(tx, w.customer, w.plan.warpWrites, now);
      if (applied) warpWrites += w.plan.warpWrites.length;
      await saveFieldStates(tx, w.customer.id, agreedPart(w.plan, w.push, applied), stateTimes(w, now), now);
      w.logs.push(...planLogEntries(ctx, w.plan, w.push, applied));
      if (w.push.refused) failedCustomers++;
      await completeOutboxRows(tx, w.rows.map((r) => r.id), w.push.refused ? `HubSpot refused: ${w.push.refused.message}` : undefined);
    }
    await insertSyncLog(tx, [...skipped, ...work.flatMap((w) => w.logs)]);
    return { customers: customerIds.length, hubspotWrites, warpWrites, failedCustomers };
  });
}

function lastId(rows: readonly ClaimedOutboxRow[]): string {
  return rows[rows.length - 1]!.id;
}

function entry(ctx: LogContext, operation: string, status: NewSyncLogEntry['status'], code: string, message: string): NewSyncLogEntry {
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

/**
 * Customers without a company get one by upsert on `warp_ban`: a retry after a crash, or two
 * workers racing, land on the same company. Only the BAN is sent; the normal plan fills the rest,
 * so a company that already existed keeps the values HubSpot owns.
 */
async function linkNewCompanies(deps: SyncBatchDeps, tx: Tx, work: CustomerWork[], traceId?: string): Promise<void> {
  const unlinked = work.filter((w) => !w.companyId);
  if (unlinked.length === 0) return;
  const outcomes = await deps.companies.batchUpsertByUniqueProperty(
    unlinked.map((w) => ({ idValue: w.customer.ban, properties: { warp_ban: w.customer.ban } })),
    'warp_ban',
  );
  const byBan = new Map(outcomes.map((o) => [o.idValue, o]));
  for (const w of unlinked) {
    const outcome = byBan.get(w.customer.ban);
    const log = {
      customer_id: w.customer.id,
      outbox_id: lastId(w.rows),
      trace_id: traceId ?? null,
      direction: 'WARP_TO_HUBSPOT' as const,
      operation: 'LINK_COMPANY',
    };
    if (!outcome || outcome.status === 'INVALID') {
      w.logs.push({ ...log, status: 'FAILED', error_code: 'HUBSPOT_VALIDATION', error_message: outcome?.error.message ?? 'no upsert result' });
      continue;
    }
    const companyId = outcome.record.id;
    await linkCustomerToCompany(tx, w.customer.id, companyId);
    w.companyId = companyId;
    // A company created just now holds only the BAN: no need to read it back.
    if (outcome.status === 'CREATED') w.hubspot = { properties: { warp_ban: w.customer.ban }, changedAt: {} };
    w.logs.push({
      ...log,
      hubspot_company_id: companyId,
      operation: outcome.status === 'CREATED' ? 'CREATE_COMPANY' : 'LINK_COMPANY',
      status: 'SUCCESS',
      fields: { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: null, new: companyId } },
    });
  }
}

/** History reads for the linked companies (the companies just created need none). */
async function readCompanies(deps: SyncBatchDeps, work: CustomerWork[]): Promise<void> {
  const toRead = work.filter((w) => w.companyId && !w.hubspot);
  if (toRead.length === 0) return;
  const properties = [...new Set(toRead.flatMap((w) => w.mappings.map((m) => m.hubspotProperty)))];
  const { results } = await deps.companies.batchReadWithHistory(toRead.map((w) => w.companyId!), properties);
  const byId = new Map(results.map((c) => [c.id, c]));
  for (const w of toRead) {
    const company = byId.get(w.companyId!);
    if (!company) continue; // not in HubSpot (archived or deleted): reported, not planned
    w.hubspot = { properties: company.properties, changedAt: hubspotChangeTimes(propertiesWithHistorySchema.parse(company.propertiesWithHistory ?? {})) };
  }
}

/**
 * One batch update for every planned HubSpot write. The adapter isolates inputs HubSpot refuses;
 * a refused input is sent once more without the properties HubSpot blamed, so one bad value does
 * not hold back the customer's other fields. Refusals are logged per field and not retried.
 */
async function pushToHubspot(deps: SyncBatchDeps, work: CustomerWork[]): Promise<number> {
  const pending = work.filter((w) => w.plan && Object.keys(w.plan.hubspotWrites).length > 0);
  const byCompany = new Map(pending.map((w) => [w.companyId!, w]));
  let written = 0;
  const retry: Array<{ id: string; properties: Record<string, string> }> = [];
  const outcomes = pending.length === 0 ? [] : await deps.companies.batchUpdate(pending.map((w) => ({ id: w.companyId!, properties: w.plan!.hubspotWrites })));
  for (const outcome of outcomes) {
    const w = byCompany.get(outcome.id)!;
    if (outcome.status === 'UPDATED') written++;
    else if (outcome.status === 'NOT_FOUND') w.plan = undefined; // deleted since the read: reported, not stored
    else {
      const writes = w.plan!.hubspotWrites;
      const blamed = outcome.error.propertyNames.filter((p) => Object.hasOwn(writes, p));
      w.push = { refused: { properties: blamed.length > 0 ? blamed : Object.keys(writes), message: outcome.error.message } };
      const rest = Object.fromEntries(Object.entries(writes).filter(([p]) => !blamed.includes(p)));
      if (blamed.length > 0 && Object.keys(rest).length > 0) retry.push({ id: outcome.id, properties: rest });
    }
  }
  if (retry.length === 0) return written;
  deps.log.warn('HubSpot refused some values; writing the other fields', { companies: retry.length });
  for (const outcome of await deps.companies.batchUpdate(retry)) {
    const w = byCompany.get(outcome.id)!;
    if (outcome.status === 'UPDATED') written++;
    else if (outcome.status === 'NOT_FOUND') w.plan = undefined;
    else w.push = { refused: { properties: Object.keys(w.plan!.hubspotWrites), message: outcome.error.message } };
  }
  return written;
}

/**
 * The part of a plan both sides now agree on: refused pushes did not happen (their base stays),
 * and pulls skipped because the customer changed meanwhile did not either.
 */
function agreedPart(plan: CustomerSyncPlan, push: PushOutcome, pullApplied: boolean): CustomerSyncPlan {
  const refused = new Set(push.refused?.properties ?? []);
  const notApplied = new Set(
    plan.decisions
      .filter((d) => (d.decision.action === 'PUSH_TO_HUBSPOT' && refused.has(d.hubspotProperty)) || (d.decision.action === 'PULL_TO_WARP' && !pullApplied))
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
  const warpChangedAt: Record<string, Date | null> = warpChangeTimes(w.mappings, w.rows, w.states);
  const hubspotChangedAt: Record<string, Date | null | undefined> = { ...w.hubspot?.changedAt };
  for (const d of w.plan!.decisions) {
    if (d.decision.action === 'PULL_TO_WARP') warpChangedAt[d.warpField] = now;
    if (d.decision.action === 'PUSH_TO_HUBSPOT') hubspotChangedAt[d.hubspotProperty] = now;
  }
  return { warpChangedAt, hubspotChangedAt };
}
