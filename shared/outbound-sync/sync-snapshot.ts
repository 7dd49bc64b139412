import type { Detaching } from './detach-companies.js';
import type { Tx } from '../db/database.js';
import type { CustomerSyncPlan } from '../sync/plan-customer.js';
import type { OpenConflict } from '../sync/decide-field.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { loadFieldStates, type CustomerFieldStates, type StoredFieldState } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import type { ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import { lastId, type CustomerStage, type CustomerWork } from './customer-work.js';
import { loadCustomers, type SyncCustomer } from '../sync-store/sync-customer-repository.js';
import { outboundEntry, type LogContext } from './sync-log-entries.js';
import type { NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import { loadWarpChanges } from '../sync-store/warp-change-repository.js';
import { warpChangeTimes } from '../sync-store/warp-change-times.js';

/** How a customer's rows end: DONE, or FAILED with the error. */
export interface Completion {
  ids: string[];
  error?: string;
}

export interface SyncSnapshot {
  /** The customers to take to HubSpot, as the database held them. */
  work: CustomerWork[];
  /** Customers settled without HubSpot (a broken mapping, a deleted company), with their logs. */
  completions: Completion[];
  logs: NewSyncLogEntry[];
  failedCustomers: number;
  /** Customers a person unlinked: their companies' `warp_ban` is cleared, nothing else is synced. */
  detaching: Detaching[];
}

/**
 * What the batch plans from, read under the customers' sync locks in a short transaction of its
 * own: the locks are not held across HubSpot calls, so the settle phase checks that nothing moved.
 */
export async function takeSyncSnapshot(
  tx: Tx,
  rowsByCustomer: ReadonlyMap<string, ClaimedOutboxRow[]>,
  traceId?: string,
): Promise<SyncSnapshot> {
  const customerIds = [...rowsByCustomer.keys()];
  await lockCustomersForSync(tx, customerIds);
  const [customers, mappings, states] = await Promise.all([
    loadCustomers(tx, customerIds),
    loadEffectiveMappings(tx, customerIds),
    loadFieldStates(tx, customerIds),
  ]);
  // After the customer rows (see loadWarpChanges): the change times of the values we plan with.
  const warpChanges = await loadWarpChanges(tx, customerIds);

  const snapshot: SyncSnapshot = { work: [], completions: [], logs: [], failedCustomers: 0, detaching: [] };
  for (const [customerId, rows] of rowsByCustomer) {
    const ids = rows.map((r) => r.id);
    const customer = customers.get(customerId);
    const ctx: LogContext = { customerId, companyId: customer?.hubspot_company_id ?? null, outboxId: lastId(rows), traceId };
    const mapping = mappings.get(customerId);
    if (!customer || !mapping) continue; // deleted meanwhile: its rows went with it (cascade)
    if (!mapping.ok) {
      snapshot.failedCustomers++;
      snapshot.logs.push(outboundEntry(ctx, 'SYNC', 'FAILED', 'INVALID_MAPPING', mapping.error));
      snapshot.completions.push({ ids, error: mapping.error });
      continue;
    }
    if (customer.hubspot_link_status === 'NEEDS_ATTENTION') {
      snapshot.logs.push(
        outboundEntry(
          ctx,
          'SYNC',
          'SKIPPED',
          'LINK_NEEDS_ATTENTION',
          'its HubSpot company belongs to another customer; link it by hand to sync',
        ),
      );
      snapshot.completions.push({ ids });
      continue;
    }
    if (customer.hubspot_link_status === 'DELETED') {
      // Nothing to sync to until the company is restored or relinked (which enqueues a resync).
      snapshot.logs.push(
        outboundEntry(ctx, 'SYNC', 'SKIPPED', 'COMPANY_DELETED', 'the linked HubSpot company was deleted; relink it to sync'),
      );
      snapshot.completions.push({ ids });
      continue;
    }
    if (customer.hubspot_link_status === 'DETACHED') {
      if (customer.hubspot_company_id !== null) snapshot.detaching.push({ customer, rows });
      else {
        snapshot.logs.push(outboundEntry(ctx, 'SYNC', 'SKIPPED', 'UNLINKED_BY_HAND', 'the customer was unlinked by hand; link it to sync'));
        snapshot.completions.push({ ids });
      }
      continue;
    }
    const fieldStates = states.get(customerId) ?? {};
    snapshot.work.push({
      customer,
      rows,
      mappings: mapping.mappings,
      states: fieldStates,
      warpChangedAt: warpChangeTimes(mapping.mappings, warpChanges.get(customerId) ?? [], fieldStates),
      recheck: rows.some((r) => r.operation === 'RESYNC'),
    });
  }
  return snapshot;
}

/**
 * Whether the customer changed since its work was planned, so that its plan is stale and is not
 * applied: a WARP write (the version), its deletion, or a sync of the other direction that stored
 * another base or conflict than this plan would (an echo of our own write agreeing on the same
 * value does not count).
 */
export function movedSincePlanned(
  stage: CustomerStage,
  current: SyncCustomer | undefined,
  states: CustomerFieldStates | undefined,
): boolean {
  const { work } = stage;
  if (!current || current.version !== work.customer.version) return true;
  const now = states ?? {};
  const newBases = stage.kind === 'PLANNED' ? stage.plan.newBases : {};
  const fields = new Set([...Object.keys(work.states), ...Object.keys(now)]);
  return [...fields].some((field) => !sameAgreement(work.states[field], now[field]) && !agreesWithPlan(newBases, field, now[field]));
}

/** Whether two field states say both sides agreed on the same: base and open conflict; the base's change times aside. */
function sameAgreement(a: StoredFieldState | undefined, b: StoredFieldState | undefined): boolean {
  return a?.base === b?.base && sameConflict(a?.openConflict ?? null, b?.openConflict ?? null);
}

function sameConflict(a: OpenConflict | null, b: OpenConflict | null): boolean {
  if (a === null || b === null) return a === b;
  const time = (at: Date | null) => at?.getTime() ?? null;
  return (
    a.warpValue === b.warpValue &&
    a.hubspotValue === b.hubspotValue &&
    time(a.warpChangedAt) === time(b.warpChangedAt) &&
    time(a.hubspotChangedAt) === time(b.hubspotChangedAt)
  );
}

function agreesWithPlan(newBases: CustomerSyncPlan['newBases'], field: string, state: StoredFieldState | undefined): boolean {
  if (!state || state.openConflict || !Object.hasOwn(newBases, field)) return false;
  return JSON.stringify(state.base) === JSON.stringify(newBases[field]);
}
