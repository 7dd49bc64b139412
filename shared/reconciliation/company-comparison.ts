import type { DbOrTx } from '../db/database.js';
import { loadFieldStates } from '../sync-store/field-state-repository.js';
import { loadEffectiveMappings } from '../sync-store/mapping-repository.js';
import { isLeftAlone } from '../sync-store/sync-customer-repository.js';
import type { JsonObject } from '../sync/json-path.js';
import { planCustomerSync, type CustomerSyncPlan } from '../sync/plan-customer.js';
import type { CustomerOfPage, ResyncCandidate } from './resync-candidates.js';

/** HubSpot's current values per company id, as a page of companies showed them. */
export type CompanyValues = ReadonlyMap<string, Readonly<Record<string, string | null>>>;

/**
 * Compares each customer with its company's values on a page the way the field-sync worker plans
 * it (effective mappings, stored bases and conflicts, the canonical values of both sides), and
 * marks in sync those whose plan does nothing: no write on either side, no base or conflict to
 * store. Only the others get a RESYNC, which the worker plans again from a fresh read. Without
 * history the comparison cannot see a person's edit buried under our own write while HubSpot
 * shows the agreed value: the inbound processor asks for a re-check when its event comes in.
 * Not compared (their RESYNC is decided as for any candidate): customers with open work or left
 * alone, those whose company the page did not show (deleted or merged away: the worker finds out
 * which), and those whose mapping is invalid (the worker reports it).
 */
export async function compareWithCompanies(
  db: DbOrTx,
  customers: readonly CustomerOfPage[],
  companies: CompanyValues,
): Promise<ResyncCandidate[]> {
  const comparable = customers.filter(
    ({ candidate, customer }) =>
      !candidate.hasOpenWork && !isLeftAlone(candidate.linkStatus) && companies.has(customer.hubspot_company_id!),
  );
  if (comparable.length === 0) return customers.map((c) => c.candidate);
  const ids = comparable.map((c) => c.customer.id);
  const [mappings, states] = await Promise.all([loadEffectiveMappings(db, ids), loadFieldStates(db, ids)]);
  const inSync = new Set(
    comparable
      .filter(({ customer }) => {
        const effective = mappings.get(customer.id);
        if (!effective?.ok) return false;
        const plan = planCustomerSync({
          mappings: effective.mappings,
          warp: { customer: customer as unknown as JsonObject },
          hubspot: { properties: companies.get(customer.hubspot_company_id!)! },
          fieldStates: states.get(customer.id),
        });
        return plansNothing(plan);
      })
      .map((c) => c.customer.id),
  );
  return customers.map(({ candidate }) => (inSync.has(candidate.id) ? { ...candidate, inSync: true } : candidate));
}

function plansNothing(plan: CustomerSyncPlan): boolean {
  return (
    Object.keys(plan.hubspotWrites).length === 0 &&
    plan.warpWrites.length === 0 &&
    Object.keys(plan.newBases).length === 0 &&
    plan.conflicts.length === 0 &&
    plan.closedConflicts.length === 0
  );
}
