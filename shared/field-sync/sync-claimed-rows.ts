import { inTransaction, type Db, type Tx } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import { hubspotChangesOf, propertiesWithHistorySchema } from '../sync/hubspot-history.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync } from '../sync/plan-customer.js';
import { alertCompanyDeleted } from './company-deleted.js';
import { describeWriteError, inSavepoint } from './savepoint.js';
import { lockCustomersForSync } from './customer-sync-lock.js';
import { loadFieldStates } from './field-state-repository.js';
import { loadEffectiveMappings } from './mapping-repository.js';
import { completeOutboxRows, releaseOutboxRows, renewClaims, type ClaimedOutboxRow } from './outbox-claims.js';
import { directWrites, isolatedWrites, lastId, settleCustomer, type CustomerWork, type CustomerWrites, type Settled } from './settle-customer.js';
import { outboundEntry, type LogContext } from './sync-log-entries.js';
import { insertSyncLog, type NewSyncLogEntry } from './sync-log-repository.js';
import { linkCustomerToCompany, loadCustomers } from './sync-customer-repository.js';
import { loadWarpChanges } from './warp-change-repository.js';
import { warpChangeTimes } from './warp-change-times.js';

/** The HubSpot calls the outbound sync makes; the adapter splits them to HubSpot's batch limits. */
export type CompanyGateway = Pick<HubspotCompanies, 'batchReadWithHistory' | 'batchUpsertByUniqueProperty' | 'batchUpdate'>;

export interface SyncBatchDeps {
  db: Db;
  companies: CompanyGateway;
  log: Logger;
  now: () => Date;
  /** The worker holding the claim: its lease is renewed before HubSpot is written. */
  workerId: string;
  /** Our HubSpot app's id, to recognize our own writes in the history read. */
  hubspotAppId?: string;
}

export interface SyncBatchResult {
  customers: number;
  hubspotWrites: number;
  warpWrites: number;
  failedCustomers: number;
}

/** How a customer's rows end: DONE, or FAILED with the error. */
interface Completion {
  ids: string[];
  error?: string;
}

/**
 * Syncs every customer of a claimed batch with one HubSpot history read per 50 companies and one
 * batch write per 100 (the adapter splits at those limits), inside one transaction that holds the
 * customers' sync locks from the first read to the last write, so a concurrent sync of the same
 * customer plans from our result. HubSpot is written before the transaction commits: if we die in
 * between, the next run reads HubSpot's new values, finds them equal to WARP's and stores them as
 * the base (converges). A WARP write only one customer's data breaks fails that customer alone
 * (its rows FAILED, not retried); a company HubSpot no longer has unlinks its customer. HubSpot
 * errors that outlive the adapter's retries propagate (the caller releases the rows). The claims
 * are renewed before the write phase; deps.companies carries the batch's deadline (sync-deadline).
 */
export async function syncClaimedRows(deps: SyncBatchDeps, claimed: readonly ClaimedOutboxRow[], traceId?: string): Promise<SyncBatchResult> {
  const rowsByCustomer = new Map<string, ClaimedOutboxRow[]>();
  for (const row of claimed) rowsByCustomer.set(row.customerId, [...(rowsByCustomer.get(row.customerId) ?? []), row]);
  const customerIds = [...rowsByCustomer.keys()];

  const { counts, deleted } = await inTransaction(deps.db, async (tx) => {
    await lockCustomersForSync(tx, customerIds);
    const now = deps.now();
    const [customers, mappings, states] = await Promise.all([
      loadCustomers(tx, customerIds),
      loadEffectiveMappings(tx, customerIds),
      loadFieldStates(tx, customerIds),
    ]);
    // After the customer rows (see loadWarpChanges): the change times of the values we plan with.
    const warpChanges = await loadWarpChanges(tx, customerIds);

    // Outbox rows are completed last: until then this transaction holds no lock on them, so the
    // lease renewal below (another connection) never waits for us.
    const completions: Completion[] = [];
    const logs: NewSyncLogEntry[] = [];
    const work: CustomerWork[] = [];
    let failedCustomers = 0;
    for (const customerId of customerIds) {
      const rows = rowsByCustomer.get(customerId)!;
      const ids = rows.map((r) => r.id);
      const customer = customers.get(customerId);
      const ctx: LogContext = { customerId, companyId: customer?.hubspot_company_id ?? null, outboxId: lastId(rows), traceId };
      const mapping = mappings.get(customerId);
      if (!customer || !mapping) continue; // deleted meanwhile: its rows went with it (cascade)
      if (!mapping.ok) {
        failedCustomers++;
        logs.push(outboundEntry(ctx, 'SYNC', 'FAILED', 'INVALID_MAPPING', mapping.error));
        completions.push({ ids, error: mapping.error });
        continue;
      }
      if (customer.hubspot_link_status === 'DELETED') {
        // Nothing to sync to until the company is restored or relinked (which enqueues a resync).
        logs.push(outboundEntry(ctx, 'SYNC', 'SKIPPED', 'COMPANY_DELETED', 'the linked HubSpot company was deleted; relink it to sync'));
        completions.push({ ids });
        continue;
      }
      const companyId = customer.hubspot_company_id;
      const fieldStates = states.get(customerId) ?? {};
      const warpChangedAt = warpChangeTimes(mapping.mappings, warpChanges.get(customerId) ?? [], fieldStates);
      work.push({ customer, rows, mappings: mapping.mappings, states: fieldStates, warpChangedAt, companyId, hubspot: null, companyGone: false, push: {}, logs: [] });
    }

    await linkNewCompanies(deps, tx, work, now, traceId);
    await readCompanies(deps, work);
    const merged = work.filter((w) => w.mergedInto !== undefined);
    const synced = work.filter((w) => w.mergedInto === undefined);

    for (const w of synced) {
      if (!w.companyId || !w.hubspot) continue; // no company, or HubSpot does not have it
      w.plan = planCustomerSync({
        mappings: w.mappings,
        warp: { customer: w.customer as unknown as JsonObject, changedAt: w.warpChangedAt },
        hubspot: w.hubspot,
        fieldStates: w.states,
      });
    }

    // The reads may have waited for HubSpot's budget: renew the claims so the writes and the
    // commit get a whole lease, and stop here if another worker took them over meanwhile.
    await renewClaims(deps.db, claimed.map((r) => r.id), deps.workerId, deps.now());
    const hubspotWrites = await pushToHubspot(deps, synced);

    // Fast path: every customer's writes at once. Only when one fails are they redone in a
    // savepoint each, so that customer fails alone and the others still commit.
    const settleAll = async (writes: CustomerWrites) => {
      const all: Settled[] = [];
      for (const w of synced) all.push(await settleCustomer(tx, w, now, deps.log, writes, traceId));
      return all;
    };
    const fast = await inSavepoint(tx, () => settleAll(directWrites));
    const settled = fast.ok ? fast.value : await settleAll(isolatedWrites(tx));
    let warpWrites = 0;
    synced.forEach((w, i) => {
      const outcome = settled[i]!;
      warpWrites += outcome.warpWrites;
      if (outcome.failed) failedCustomers++;
      completions.push({ ids: w.rows.map((r) => r.id), error: outcome.error });
      logs.push(...outcome.logs);
    });
    logs.push(...(await releaseMergedAway(deps, tx, merged, now, traceId)));
    await insertSyncLog(tx, logs);
    await completeGrouped(tx, completions);
    const counts: SyncBatchResult = { customers: customerIds.length, hubspotWrites, warpWrites, failedCustomers };
    return { counts, deleted: synced.filter((_, i) => settled[i]!.companyDeleted) };
  });
  // Alerted once the unlink is committed.
  for (const w of deleted) alertCompanyDeleted(deps.log, w.customer, w.companyId!);
  return counts;
}

/** One statement per distinct outcome (in a healthy batch: one for every row). */
async function completeGrouped(tx: Tx, completions: readonly Completion[]): Promise<void> {
  const byError = new Map<string | undefined, string[]>();
  for (const { ids, error } of completions) byError.set(error, [...(byError.get(error) ?? []), ...ids]);
  for (const [error, ids] of byError) await completeOutboxRows(tx, ids, error);
}

/**
 * Customers without a company get one by upsert on `warp_ban`: a retry after a crash, or two
 * workers racing, land on the same company. Only the BAN is sent; the normal plan fills the rest,
 * so a company that already existed keeps the values HubSpot owns, and they reach WARP in this
 * same sync (the plan's writes are checked against the version the link left).
 */
async function linkNewCompanies(deps: SyncBatchDeps, tx: Tx, work: CustomerWork[], now: Date, traceId?: string): Promise<void> {
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
      const message = outcome?.error.message ?? 'no upsert result';
      w.linkFailure = `HubSpot refused the company: ${message}`;
      w.logs.push({ ...log, status: 'FAILED', error_code: 'HUBSPOT_VALIDATION', error_message: message });
      continue;
    }
    const companyId = outcome.record.id;
    const linked = await inSavepoint(tx, () => linkCustomerToCompany(tx, w.customer.id, companyId, now));
    if (!linked.ok) {
      const message = describeWriteError(linked.error);
      w.linkFailure = `WARP write failed: ${message}`;
      w.logs.push({ ...log, hubspot_company_id: companyId, status: 'FAILED', error_code: 'WARP_WRITE_FAILED', error_message: message });
      continue;
    }
    w.customer = linked.value;
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

/**
 * History reads for the linked companies (the companies just created need none). HubSpot answers
 * the id of a company merged away with the surviving company (another id, whose
 * hs_merged_object_ids lists the old one): that customer is marked mergedInto, not gone.
 */
async function readCompanies(deps: SyncBatchDeps, work: CustomerWork[]): Promise<void> {
  const toRead = work.filter((w) => w.companyId && !w.hubspot);
  if (toRead.length === 0) return;
  const properties = [...new Set([...toRead.flatMap((w) => w.mappings.map((m) => m.hubspotProperty)), MERGED_IDS])];
  const { results } = await deps.companies.batchReadWithHistory(toRead.map((w) => w.companyId!), properties);
  const byId = new Map(results.map((c) => [c.id, c]));
  const survivorOf = new Map(results.flatMap((c) => (c.properties[MERGED_IDS] ?? '').split(';').filter(Boolean).map((old) => [old.trim(), c.id] as const)));
  for (const w of toRead) {
    const company = byId.get(w.companyId!);
    if (!company) {
      w.mergedInto = survivorOf.get(w.companyId!);
      // Otherwise archived or deleted before its deletion webhook reached us.
      w.companyGone = w.mergedInto === undefined;
      continue;
    }
    const history = propertiesWithHistorySchema.parse(company.propertiesWithHistory ?? {});
    w.hubspot = { properties: company.properties, ...hubspotChangesOf(history, deps.hubspotAppId) };
  }
}

/** HubSpot's list of the ids merged into a company, separated by ";". */
const MERGED_IDS = 'hs_merged_object_ids';

/** How long a customer whose company was merged away waits for the company.merge webhook. */
const MERGE_RELINK_WAIT_MS = 60_000;

/**
 * Customers whose company was merged away are not synced, and not unlinked: their rows go back
 * (PENDING, for the relay to republish, since this batch's messages are acked) and the
 * company.merge webhook relinks the customer to the survivor, as it does for every merge (with
 * its rules for a survivor already linked to another customer). Relinking here as well would
 * duplicate those rules. Done last, with the completions: a released row is locked by this
 * transaction, and the lease renewal (another connection) must not wait for it.
 */
async function releaseMergedAway(deps: SyncBatchDeps, tx: Tx, merged: readonly CustomerWork[], now: Date, traceId?: string): Promise<NewSyncLogEntry[]> {
  const logs: NewSyncLogEntry[] = [];
  for (const w of merged) {
    const message = `company ${w.companyId} was merged into ${w.mergedInto}; waiting for the merge webhook to relink the customer`;
    await releaseOutboxRows(tx, w.rows.map((r) => r.id), deps.workerId, {
      status: 'PENDING',
      error: message,
      retryAt: new Date(now.getTime() + MERGE_RELINK_WAIT_MS),
      republish: true,
    });
    logs.push(outboundEntry({ customerId: w.customer.id, companyId: w.companyId, outboxId: lastId(w.rows), traceId }, 'SYNC', 'RETRYING', 'COMPANY_MERGED', message));
    deps.log.notice('linked HubSpot company was merged away: the sync waits for the relink', { customerId: w.customer.id, from: w.companyId, to: w.mergedInto });
  }
  return logs;
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
    else if (outcome.status === 'NOT_FOUND') w.companyGone = true; // deleted since the read
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
    else if (outcome.status === 'NOT_FOUND') w.companyGone = true;
    else w.push = { refused: { properties: Object.keys(w.plan!.hubspotWrites), message: outcome.error.message } };
  }
  return written;
}
