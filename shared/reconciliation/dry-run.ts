import { inTransaction, type Db, type DbOrTx, type Tx } from '../db/database.js';
import type { DiffDecision, HubspotReconciliationDiffsTable } from '../db/tables/hubspot-sync.js';
import { loadFieldStates } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { isLeftAlone } from '../sync-store/sync-customer-repository.js';
import { loadWarpChanges } from '../sync-store/warp-change-repository.js';
import { warpChangeTimes } from '../sync-store/warp-change-times.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { FieldDecision, RuleReason } from '../sync/decide-field.js';
import { hubspotSideOf } from '../sync/hubspot-history.js';
import type { FieldMapping } from '../sync/field-mapping.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync, type CustomerSyncPlan, type HubspotSide } from '../sync/plan-customer.js';
import type { ResyncCandidate } from './resync-candidates.js';

export interface DryRunDeps {
  db: Db;
  companies: Pick<HubspotCompanies, 'batchReadWithHistory'>;
  hubspotAppId?: string;
  log: Logger;
}

export interface PlannedChunk {
  candidates: ResyncCandidate[];
  /** Customers a sync would change (any field not `none`). */
  changed: number;
  /** Customers that could not be planned (a broken mapping override, a company HubSpot no longer has). */
  errors: number;
}

type DiffRow = Omit<HubspotReconciliationDiffsTable, 'id'>;

/** Rows per insert: 9 parameters each, well under PostgreSQL's 65,535. */
const INSERT_BATCH = 1000;

/** A one-way field changed on the wrong side, or a value that cannot stand: the other side's value goes back. */
const PUT_BACK: ReadonlySet<string> = new Set<RuleReason | 'WARP_REJECTS_VALUE'>([
  'OWNER_WINS',
  'OWN_WRITE_OUTDATED',
  'WARP_REJECTS_VALUE',
]);

/** The planner's decision in the report's terms. */
export function diffDecision(decision: FieldDecision): { decision: DiffDecision; reason: string } {
  switch (decision.action) {
    case 'IN_SYNC':
      return { decision: 'none', reason: 'IN_SYNC' };
    case 'SKIP':
      return { decision: decision.reason === 'CONFLICT_PENDING' ? 'conflict' : 'none', reason: decision.reason };
    case 'OPEN_CONFLICT':
      return { decision: 'conflict', reason: 'MANUAL' };
    case 'PUSH_TO_HUBSPOT':
    case 'PULL_TO_WARP': {
      const reason = decision.reason === 'WARP_REJECTS_VALUE' ? `WARP_REJECTS_VALUE: ${decision.rejected}` : decision.reason;
      if (PUT_BACK.has(decision.reason)) return { decision: 'put_back', reason };
      return { decision: decision.action === 'PUSH_TO_HUBSPOT' ? 'push' : 'pull', reason };
    }
  }
}

/**
 * One chunk of a dry run: plans each candidate the way the field-sync worker would (same
 * mappings, bases, change times and HubSpot history, through the shared rate budget) and stores
 * the report with the run's progress in one transaction, so a resumed run neither loses nor
 * repeats a chunk. Writes nothing else. Customers whose company was deleted are not planned
 * (a run does not resync them either); customers without a company are planned against an empty one.
 */
export async function planDryRunChunk(
  deps: DryRunDeps,
  runId: string,
  load: (db: DbOrTx) => Promise<ResyncCandidate[]>,
  save: (tx: Tx, chunk: PlannedChunk) => Promise<void>,
): Promise<void> {
  const read = await inTransaction(deps.db, async (tx) => {
    const candidates = await load(tx);
    const ids = candidates.filter((c) => !isLeftAlone(c.linkStatus)).map((c) => c.id);
    const [customers, mappings, states] = await Promise.all([
      ids.length === 0 ? [] : tx.selectFrom('customers').selectAll().where('id', 'in', ids).orderBy('id').execute(),
      loadEffectiveMappings(tx, ids),
      loadFieldStates(tx, ids),
    ]);
    // After the customer rows, as the worker reads them: every change they show is in the outbox.
    return { candidates, customers, mappings, states, changes: await loadWarpChanges(tx, ids) };
  });

  const chunk: PlannedChunk = { candidates: read.candidates, changed: 0, errors: 0 };
  const mappingsOf = (customerId: string): FieldMapping[] | undefined => {
    const effective = read.mappings.get(customerId);
    return effective?.ok ? effective.mappings : undefined;
  };
  const readable = read.customers.filter((customer) => {
    if (mappingsOf(customer.id)) return true;
    chunk.errors++;
    deps.log.warn('dry run cannot plan a customer: its mapping is invalid', { runId, customerId: customer.id });
    return false;
  });
  const linked = readable.filter((c) => c.hubspot_company_id !== null);
  const properties = [...new Set(linked.flatMap((c) => mappingsOf(c.id)!.map((m) => m.hubspotProperty)))];
  const companies = await readCompanies(
    deps,
    linked.map((c) => c.hubspot_company_id!),
    properties,
  );
  const planned: Array<{ customerId: string; plan: CustomerSyncPlan }> = [];
  for (const customer of readable) {
    const mappings = mappingsOf(customer.id)!;
    const hubspot = customer.hubspot_company_id === null ? null : companies.get(customer.hubspot_company_id);
    if (hubspot === undefined) {
      chunk.errors++;
      deps.log.warn('dry run cannot plan a customer: HubSpot no longer has its company', {
        runId,
        customerId: customer.id,
        companyId: customer.hubspot_company_id,
      });
      continue;
    }
    const fieldStates = read.states.get(customer.id) ?? {};
    const plan = planCustomerSync({
      mappings,
      warp: {
        customer: customer as unknown as JsonObject,
        changedAt: warpChangeTimes(mappings, read.changes.get(customer.id) ?? [], fieldStates),
      },
      hubspot,
      fieldStates,
    });
    planned.push({ customerId: customer.id, plan });
  }

  const rows = planned.flatMap(({ customerId, plan }) => diffRows(runId, customerId, plan));
  chunk.changed = new Set(rows.filter((r) => r.decision !== 'none').map((r) => r.customer_id)).size;
  await inTransaction(deps.db, async (tx) => {
    for (let i = 0; i < rows.length; i += INSERT_BATCH)
      await tx
        .insertInto('hubspot_reconciliation_diffs')
        .values(rows.slice(i, i + INSERT_BATCH))
        .execute();
    await save(tx, chunk);
  });
}

/** HubSpot's current values and change history of the linked companies, by company id. */
export async function readCompanies(
  deps: Pick<DryRunDeps, 'companies' | 'hubspotAppId'>,
  companyIds: readonly string[],
  properties: readonly string[],
): Promise<Map<string, HubspotSide>> {
  if (companyIds.length === 0) return new Map();
  const { results } = await deps.companies.batchReadWithHistory(companyIds, properties);
  return new Map(results.map((company) => [company.id, hubspotSideOf(company, deps.hubspotAppId)]));
}

function diffRows(runId: string, customerId: string, plan: CustomerSyncPlan): DiffRow[] {
  const base = { run_id: runId, customer_id: customerId };
  return [
    ...plan.decisions.map((d) => ({
      ...base,
      warp_field: d.warpField,
      hubspot_property: d.hubspotProperty,
      warp_value: d.warpValue,
      hubspot_value: d.hubspotValue,
      ...diffDecision(d.decision),
    })),
    // A side whose value cannot be read is left alone by a sync: reported, with why.
    ...plan.errors.map((e) => ({
      ...base,
      warp_field: e.warpField,
      hubspot_property: e.hubspotProperty,
      warp_value: null,
      hubspot_value: null,
      decision: 'none' as const,
      reason: `${e.side}_VALUE_UNREADABLE: ${e.error.message}`,
    })),
  ];
}
