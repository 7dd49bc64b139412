import { hubspotChangesOf, propertiesWithHistorySchema } from '../sync/hubspot-history.js';
import type { CustomerStage, StageOf } from './customer-work.js';
import type { SyncBatchDeps } from './sync-claimed-rows.js';

type Located = StageOf<'LINKED' | 'NOT_LINKED'>;
type Read = StageOf<'READ' | 'COMPANY_GONE' | 'MERGED_AWAY' | 'NOT_LINKED'>;

/**
 * History reads for the linked companies (the companies just created need none). HubSpot answers
 * the id of a company merged away with the surviving company (another id, whose
 * hs_merged_object_ids lists the old one): that customer is MERGED_AWAY, not gone.
 */
export async function readCompanies(deps: Pick<SyncBatchDeps, 'companies' | 'hubspotAppId'>, located: readonly Located[]): Promise<Read[]> {
  const toRead = located.filter((s): s is StageOf<'LINKED'> => s.kind === 'LINKED' && s.created === null);
  const properties = [...new Set([...toRead.flatMap((s) => s.work.mappings.map((m) => m.hubspotProperty)), MERGED_IDS])];
  const { results } = toRead.length === 0 ? { results: [] } : await deps.companies.batchReadWithHistory(toRead.map((s) => s.companyId), properties);
  const byId = new Map(results.map((c) => [c.id, c]));
  const survivorOf = new Map(results.flatMap((c) => (c.properties[MERGED_IDS] ?? '').split(';').filter(Boolean).map((old) => [old.trim(), c.id] as const)));
  return located.map((stage): Read => {
    if (stage.kind === 'NOT_LINKED') return stage;
    const { work, companyId, logs } = stage;
    if (stage.created) return { kind: 'READ', work, companyId, logs, hubspot: stage.created };
    const company = byId.get(companyId);
    if (company) {
      const history = propertiesWithHistorySchema.parse(company.propertiesWithHistory ?? {});
      return { kind: 'READ', work, companyId, logs, hubspot: { properties: company.properties, ...hubspotChangesOf(history, deps.hubspotAppId) } };
    }
    const survivor = survivorOf.get(companyId);
    return survivor ? { kind: 'MERGED_AWAY', work, companyId, logs, survivor } : { kind: 'COMPANY_GONE', work, companyId, logs };
  });
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
    else if (outcome.status === 'NOT_FOUND') gone.add(outcome.id); // deleted since the read
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
