import type { BatchReadResult } from '../hubspot/client/hubspot-companies.js';
import { hubspotSideOf } from '../sync/hubspot-history.js';
import type { JsonObject } from '../sync/json-path.js';
import { historyCanChangePlan, type HubspotSide } from '../sync/plan-customer.js';
import type { CustomerStage, StageOf } from './customer-work.js';
import type { SyncBatchDeps } from './sync-claimed-rows.js';

type Located = StageOf<'LINKED' | 'NOT_LINKED'>;
type Read = StageOf<'READ' | 'COMPANY_GONE' | 'MERGED_AWAY' | 'NOT_LINKED'>;
type Linked = StageOf<'LINKED'>;

/**
 * Reads the linked companies (the companies just created need none): current values first, 100
 * per call; then, with history at 50 per call, only the companies of customers whose plan that
 * history can change (historyCanChangePlan: a field off its base, an open MANUAL conflict), and
 * of those on a re-check (read with history at once). A steady burst of WARP edits so costs one read per 100 changes. HubSpot answers the
 * id of a company merged away with the surviving company (another id, whose
 * hs_merged_object_ids lists the old one): that customer is MERGED_AWAY, not gone.
 */
export async function readCompanies(deps: Pick<SyncBatchDeps, 'companies' | 'hubspotAppId'>, located: readonly Located[]): Promise<Read[]> {
  const toRead = located.filter((s): s is Linked => s.kind === 'LINKED' && s.created === null);
  const properties = [...new Set([...toRead.flatMap((s) => s.work.mappings.map((m) => m.hubspotProperty)), MERGED_IDS])];
  // A re-check weighs the history whatever the values: read with it straight away.
  const plain = toRead.filter((s) => !s.work.recheck);
  const current = companiesOf(
    plain.length === 0
      ? undefined
      : await deps.companies.batchReadCurrentValues(
          plain.map((s) => s.companyId),
          properties,
        ),
  );
  const needHistory = toRead.filter((s) => {
    if (s.work.recheck) return true;
    const company = current.byId.get(s.companyId);
    return company !== undefined && historyCanChangePlan(planInputOf(s, { properties: company.properties }));
  });
  const ids = needHistory.map((s) => s.companyId);
  const historic = companiesOf(ids.length === 0 ? undefined : await deps.companies.batchReadWithHistory(ids, properties));
  const readWithHistory = new Set(ids);
  return located.map((stage): Read => {
    if (stage.kind === 'NOT_LINKED') return stage;
    const { work, companyId, logs } = stage;
    if (stage.created) return { kind: 'READ', work, companyId, logs, hubspot: stage.created };
    const withHistory = readWithHistory.has(companyId);
    const { byId, survivorOf } = withHistory ? historic : current;
    const company = byId.get(companyId);
    if (company)
      return {
        kind: 'READ',
        work,
        companyId,
        logs,
        hubspot: withHistory ? hubspotSideOf(company, deps.hubspotAppId) : { properties: company.properties },
      };
    const survivor = survivorOf.get(companyId);
    return survivor ? { kind: 'MERGED_AWAY', work, companyId, logs, survivor } : { kind: 'COMPANY_GONE', work, companyId, logs };
  });
}

function planInputOf(stage: Linked, hubspot: HubspotSide) {
  const { work } = stage;
  return {
    mappings: work.mappings,
    warp: { customer: work.customer as unknown as JsonObject },
    hubspot,
    fieldStates: work.states,
    recheck: work.recheck,
  };
}

function companiesOf(read: BatchReadResult | undefined) {
  const results = read?.results ?? [];
  return {
    byId: new Map(results.map((c) => [c.id, c])),
    survivorOf: new Map(
      results.flatMap((c) =>
        (c.properties[MERGED_IDS] ?? '')
          .split(';')
          .filter(Boolean)
          .map((old) => [old.trim(), c.id] as const),
      ),
    ),
  };
}

/** HubSpot's list of the ids merged into a company, separated by ";". */
const MERGED_IDS = 'hs_merged_object_ids';

/**
 * One batch update for every planned HubSpot write. The adapter isolates inputs HubSpot refuses;
 * a refused input is sent once more without the properties HubSpot blamed, so one bad value does
 * not hold back the customer's other fields. Refusals are logged per field and not retried.
 * Returns the stages with what the push did (a company deleted since the read is COMPANY_GONE).
 */
export async function pushToHubspot<S extends CustomerStage>(
  deps: Pick<SyncBatchDeps, 'companies' | 'log'>,
  stages: readonly S[],
): Promise<{ written: number; stages: Array<S | StageOf<'COMPANY_GONE'>> }> {
  const pending = stages.filter((s): s is S & StageOf<'PLANNED'> => s.kind === 'PLANNED' && Object.keys(s.plan.hubspotWrites).length > 0);
  if (pending.length === 0) return { written: 0, stages: [...stages] };
  const writesOf = new Map(pending.map((s) => [s.companyId, s.plan.hubspotWrites]));
  const refused = new Map<string, { properties: string[]; message: string }>();
  const gone = new Set<string>();
  let written = 0;
  const retry: Array<{ id: string; properties: Record<string, string> }> = [];
  for (const outcome of await deps.companies.batchUpdate(pending.map((s) => ({ id: s.companyId, properties: s.plan.hubspotWrites })))) {
    const writes = writesOf.get(outcome.id)!;
    if (outcome.status === 'UPDATED') written++;
    else if (outcome.status === 'NOT_FOUND')
      gone.add(outcome.id); // deleted since the read
    else {
      const blamed = outcome.error.propertyNames.filter((p) => Object.hasOwn(writes, p));
      refused.set(outcome.id, { properties: blamed.length > 0 ? blamed : Object.keys(writes), message: outcome.error.message });
      const rest = Object.fromEntries(Object.entries(writes).filter(([p]) => !blamed.includes(p)));
      if (blamed.length > 0 && Object.keys(rest).length > 0) retry.push({ id: outcome.id, properties: rest });
    }
  }
  if (retry.length > 0) {
    deps.log.warn('HubSpot refused some values; writing the other fields', { companies: retry.length });
    for (const outcome of await deps.companies.batchUpdate(retry)) {
      if (outcome.status === 'UPDATED') written++;
      else if (outcome.status === 'NOT_FOUND') gone.add(outcome.id);
      else refused.set(outcome.id, { properties: Object.keys(writesOf.get(outcome.id)!), message: outcome.error.message });
    }
  }
  const after = stages.map((s): S | StageOf<'COMPANY_GONE'> => {
    if (s.kind !== 'PLANNED') return s;
    if (gone.has(s.companyId)) return { kind: 'COMPANY_GONE', work: s.work, companyId: s.companyId, logs: s.logs };
    const refusal = refused.get(s.companyId);
    return refusal ? { ...s, push: { refused: refusal } } : s;
  });
  return { written, stages: after };
}
