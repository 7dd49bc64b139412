import { inTransaction, type Db, type Tx } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync } from '../sync/plan-customer.js';
import { alertCompanyDeleted } from '../sync-store/company-deleted.js';
import { pushToHubspot, readCompanies } from './company-exchange.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { detachCompanies } from './detach-companies.js';
import { loadFieldStates } from '../sync-store/field-state-repository.js';
import { linkNewCompanies } from './link-new-companies.js';
import { inSavepoint } from '../db/savepoint.js';
import { completeOutboxRows, releaseOutboxRows, renewClaims, type ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import {
  gatheredWrites,
  isolatedWrites,
  settleCustomer,
  storingSettledRows,
  unsettledEntries,
  type CustomerWrites,
  type Settled,
} from './settle-customer.js';
import { lastId, type CustomerStage, type SettlingStage, type StageOf } from './customer-work.js';
import { outboundEntry } from './sync-log-entries.js';
import { insertSyncLog, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import { loadCustomers } from '../sync-store/sync-customer-repository.js';
import { movedSincePlanned, takeSyncSnapshot, type Completion, type SyncSnapshot } from './sync-snapshot.js';

/**
 * The HubSpot calls the outbound sync makes; the adapter splits them to HubSpot's batch limits.
 * Search finds the companies sales made for new customers (SyncBatchDeps.matchNewCustomers).
 */
export type CompanyGateway = Pick<
  HubspotCompanies,
  'batchReadCurrentValues' | 'batchReadWithHistory' | 'batchUpsertByUniqueProperty' | 'batchUpdate'
> &
  Partial<Pick<HubspotCompanies, 'searchCompanies'>>;

export interface SyncBatchDeps {
  db: Db;
  companies: CompanyGateway;
  log: Logger;
  now: () => Date;
  /** The worker holding the claim: its lease is renewed before HubSpot is written. */
  workerId: string;
  /** Our HubSpot app's id, to recognize our own writes in the history read. */
  hubspotAppId?: string;
  /** Before creating companies, look for the ones sales made already (needs companies.searchCompanies). */
  matchNewCustomers?: boolean;
}

export interface SyncBatchResult {
  customers: number;
  hubspotWrites: number;
  warpWrites: number;
  failedCustomers: number;
}

/**
 * How often a batch plans again, at once, the customers that changed while it talked to HubSpot,
 * before it hands their rows back for a later try.
 */
const SYNC_ROUNDS = 3;

/**
 * Syncs every customer of a claimed batch with one HubSpot history read per 50 companies and one
 * batch write per 100 (the adapter splits at those limits). The customers' sync locks are held only
 * around database work, never across a HubSpot call or a budget wait, so inbound syncs and API
 * writes never wait for HubSpot: the batch reads its snapshot in one short transaction, talks to
 * HubSpot, and settles in a second one that checks each customer is as planned. A customer that
 * moved meanwhile keeps nothing of the stale plan on the WARP side and is planned again from fresh
 * reads (what we wrote to HubSpot is recognised there as our own write, so a newer WARP value is
 * put back, never pulled). HubSpot is written before the settle commits: if we die in between, the
 * next run finds HubSpot's values equal to WARP's and stores them as the base (converges). A WARP
 * write only one customer's data breaks fails that customer alone (its rows FAILED, not retried);
 * a company HubSpot no longer has unlinks its customer. HubSpot errors that outlive the adapter's
 * retries propagate (the caller releases the rows). The claims are renewed before each write
 * phase; deps.companies carries the batch's deadline (sync-deadline).
 */
export async function syncClaimedRows(
  deps: SyncBatchDeps,
  claimed: readonly ClaimedOutboxRow[],
  traceId?: string,
): Promise<SyncBatchResult> {
  const result: SyncBatchResult = {
    customers: new Set(claimed.map((r) => r.customerId)).size,
    hubspotWrites: 0,
    warpWrites: 0,
    failedCustomers: 0,
  };
  let rows = claimed;
  for (let round = 1; rows.length > 0; round++) {
    const outcome = await syncRound(deps, rows, traceId);
    result.hubspotWrites += outcome.hubspotWrites;
    result.warpWrites += outcome.warpWrites;
    result.failedCustomers += outcome.failedCustomers;
    rows = outcome.moved.flatMap((m) => m.work.rows);
    if (round === SYNC_ROUNDS && rows.length > 0) {
      await handBackMoved(deps, outcome.moved, traceId);
      break;
    }
  }
  return result;
}

interface RoundOutcome {
  hubspotWrites: number;
  warpWrites: number;
  failedCustomers: number;
  /** Customers that changed while the round talked to HubSpot: nothing of theirs was settled. */
  moved: Moved[];
}

/** A customer handed to the next round, with the company it had (for the log). */
type Moved = Pick<CustomerStage, 'work' | 'companyId'>;

async function syncRound(deps: SyncBatchDeps, claimed: readonly ClaimedOutboxRow[], traceId?: string): Promise<RoundOutcome> {
  const rowsByCustomer = new Map<string, ClaimedOutboxRow[]>();
  for (const row of claimed) rowsByCustomer.set(row.customerId, [...(rowsByCustomer.get(row.customerId) ?? []), row]);
  const snapshot = await inTransaction(deps.db, (tx) => takeSyncSnapshot(tx, rowsByCustomer, traceId));
  await detachCompanies(deps, snapshot.detaching, traceId);

  const linked = await linkNewCompanies(deps, snapshot.work, deps.now(), traceId);
  const planned = (await readCompanies(deps, linked.stages)).map(planRead);

  // The reads may have waited for HubSpot's budget: renew the claims so the writes and the
  // commit get a whole lease, and stop here if another worker took them over meanwhile. Only the
  // rows still in play: the unlinks completed theirs, a deleted customer's went with it.
  const inPlay = [...snapshot.work.flatMap((w) => w.rows.map((r) => r.id)), ...snapshot.completions.flatMap((c) => c.ids)];
  await renewClaims(deps.db, inPlay, deps.workerId, deps.now());
  // Taken before the write, so the change time stored for it is never later than HubSpot's own.
  const pushedAt = deps.now();
  const pushed = await pushToHubspot(deps, planned);

  const settled = await inTransaction(deps.db, (tx) => settleRound(deps, tx, { snapshot, stages: pushed.stages, now: pushedAt }, traceId));
  // Alerted once the unlink is committed.
  for (const gone of settled.deleted) alertCompanyDeleted(deps.log, gone.work.customer, gone.companyId);
  return {
    hubspotWrites: pushed.written,
    warpWrites: settled.warpWrites,
    failedCustomers: snapshot.failedCustomers + settled.failedCustomers,
    moved: [...linked.stale.map((work) => ({ work, companyId: null })), ...settled.moved],
  };
}

/** A customer whose company was read is planned; the others pass on as they are. */
function planRead<S extends CustomerStage>(stage: S): Exclude<S, StageOf<'READ'>> | StageOf<'PLANNED'> {
  if (stage.kind !== 'READ') return stage as Exclude<S, StageOf<'READ'>>;
  const { work, hubspot } = stage;
  const plan = planCustomerSync({
    mappings: work.mappings,
    warp: { customer: work.customer as unknown as JsonObject, changedAt: work.warpChangedAt },
    hubspot,
    fieldStates: work.states,
    recheck: work.recheck,
  });
  return { kind: 'PLANNED', work, companyId: stage.companyId, logs: stage.logs, hubspot, plan, push: {} };
}

interface SettledRound {
  warpWrites: number;
  failedCustomers: number;
  deleted: Array<StageOf<'COMPANY_GONE'>>;
  moved: Moved[];
}

/**
 * The WARP side of a round, under the sync locks again: each customer still as planned gets its
 * writes, field states, log and completed rows; one that moved is left for the next round.
 */
interface RoundWork {
  snapshot: SyncSnapshot;
  stages: ReadonlyArray<SettlingStage | StageOf<'MERGED_AWAY'>>;
  now: Date;
}

async function settleRound(deps: SyncBatchDeps, tx: Tx, { snapshot, stages, now }: RoundWork, traceId?: string): Promise<SettledRound> {
  const merged = stages.filter((s): s is StageOf<'MERGED_AWAY'> => s.kind === 'MERGED_AWAY');
  const synced = stages.filter((s): s is SettlingStage => s.kind !== 'MERGED_AWAY');
  const ids = synced.map((s) => s.work.customer.id);
  await lockCustomersForSync(tx, ids);
  // Row locks as well: the customers are written at the versions checked here, with no API write in between.
  const [customers, states] = await Promise.all([loadCustomers(tx, ids, true), loadFieldStates(tx, ids)]);
  const moved = synced.filter((s) => movedSincePlanned(s, customers.get(s.work.customer.id), states.get(s.work.customer.id)));
  const steady = synced.filter((s) => !moved.includes(s));

  // Fast path: every customer's writes at once, their states, outbox records and log in one
  // statement each. Only when one fails are they redone in a savepoint each, so that customer
  // fails alone and the others still commit.
  const settleAll = async (writes: CustomerWrites) => {
    const all: Settled[] = [];
    for (const w of steady) all.push(await settleCustomer(tx, w, now, deps.log, writes, traceId));
    return all;
  };
  const fast = await inSavepoint(tx, () => storingSettledRows(tx, now, (rows) => settleAll(gatheredWrites(rows))));
  const outcomes = fast.ok ? fast.value : await settleAll(isolatedWrites(tx, now));
  const round: SettledRound = { warpWrites: 0, failedCustomers: 0, deleted: [], moved: [...moved] };
  const completions = [...snapshot.completions];
  const logs = [...snapshot.logs];
  steady.forEach((stage, i) => {
    const outcome = outcomes[i]!;
    logs.push(...outcome.logs);
    if (outcome.retry) {
      round.moved.push(stage);
      return;
    }
    round.warpWrites += outcome.warpWrites;
    if (outcome.failed) round.failedCustomers++;
    if (outcome.companyDeleted && stage.kind === 'COMPANY_GONE') round.deleted.push(stage);
    completions.push({ ids: stage.work.rows.map((r) => r.id), error: outcome.error });
  });
  for (const stage of moved) logs.push(...unsettledEntries(stage, traceId));
  // Outbox rows are touched last, after the customer locks (one order for every lock holder).
  logs.push(...(await releaseMergedAway(deps, tx, merged, now, traceId)));
  await insertSyncLog(tx, logs);
  await completeGrouped(tx, completions);
  return round;
}

/** One statement per distinct outcome (in a healthy batch: one for every row). */
async function completeGrouped(tx: Tx, completions: readonly Completion[]): Promise<void> {
  const byError = new Map<string | undefined, string[]>();
  for (const { ids, error } of completions) byError.set(error, [...(byError.get(error) ?? []), ...ids]);
  for (const [error, ids] of byError) await completeOutboxRows(tx, ids, error);
}

/**
 * Customers that kept changing through every round: their rows go back (PENDING, for the relay to
 * republish, as their messages are acked) and are planned afresh by a later batch.
 */
async function handBackMoved(deps: SyncBatchDeps, moved: readonly Moved[], traceId?: string): Promise<void> {
  const message = `the customer changed during ${SYNC_ROUNDS} sync rounds in a row; retried later`;
  await inTransaction(deps.db, async (tx) => {
    const logs: NewSyncLogEntry[] = [];
    for (const stage of moved)
      logs.push(await handBack(deps, tx, stage, { code: 'CUSTOMER_CHANGED', message, retryAt: deps.now() }, traceId));
    await insertSyncLog(tx, logs);
  });
  deps.log.notice('customers kept changing during their sync; handed back for a later batch', {
    customers: moved.length,
    customerIds: moved.map((m) => m.work.customer.id),
  });
}

/**
 * A customer's rows go back unsynced: PENDING from `retryAt`, for the relay to republish (this
 * batch's messages are acked). Answers the RETRYING entry saying why, for the caller's log insert.
 */
async function handBack(
  deps: SyncBatchDeps,
  tx: Tx,
  { work, companyId }: Moved,
  why: { code: string; message: string; retryAt: Date },
  traceId?: string,
): Promise<NewSyncLogEntry> {
  const { code, message, retryAt } = why;
  await releaseOutboxRows(
    tx,
    work.rows.map((r) => r.id),
    deps.workerId,
    { status: 'PENDING', error: message, retryAt, republish: true },
  );
  return outboundEntry(
    { customerId: work.customer.id, companyId, outboxId: lastId(work.rows), traceId },
    'SYNC',
    'RETRYING',
    code,
    message,
  );
}

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
async function releaseMergedAway(
  deps: SyncBatchDeps,
  tx: Tx,
  merged: ReadonlyArray<StageOf<'MERGED_AWAY'>>,
  now: Date,
  traceId?: string,
): Promise<NewSyncLogEntry[]> {
  const logs: NewSyncLogEntry[] = [];
  for (const { work, companyId, survivor } of merged) {
    const message = `company ${companyId} was merged into ${survivor}; waiting for the merge webhook to relink the customer`;
    const retryAt = new Date(now.getTime() + MERGE_RELINK_WAIT_MS);
    logs.push(await handBack(deps, tx, { work, companyId }, { code: 'COMPANY_MERGED', message, retryAt }, traceId));
    deps.log.notice('linked HubSpot company was merged away: the sync waits for the relink', {
      customerId: work.customer.id,
      from: companyId,
      to: survivor,
    });
  }
  return logs;
}
