import { hubspotChangesOf, propertiesWithHistorySchema } from '../sync/hubspot-history.js';
import type { CustomerWork } from './settle-customer.js';
import type { SyncBatchDeps } from './sync-claimed-rows.js';

/**
 * History reads for the linked companies (the companies just created need none). HubSpot answers
 * the id of a company merged away with the surviving company (another id, whose
 * hs_merged_object_ids lists the old one): that customer is marked mergedInto, not gone.
 */
export async function readCompanies(deps: Pick<SyncBatchDeps, 'companies' | 'hubspotAppId'>, work: CustomerWork[]): Promise<void> {
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

/**
 * One batch update for every planned HubSpot write. The adapter isolates inputs HubSpot refuses;
 * a refused input is sent once more without the properties HubSpot blamed, so one bad value does
 * not hold back the customer's other fields. Refusals are logged per field and not retried.
 */
export async function pushToHubspot(deps: Pick<SyncBatchDeps, 'companies' | 'log'>, work: CustomerWork[]): Promise<number> {
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
