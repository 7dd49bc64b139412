import type { DbOrTx } from '../db/database.js';
import type { CompanyRecord, HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import { decideProposal, matchCustomers, toMatchCustomer, type MatchCompany, type MatchCustomer, type MatchRule } from './match.js';
import { DEFAULT_MIN_CONFIDENCE } from './match-run-request.js';
import { companyDomain, domainOfEmail, domainOfWebsite } from './normalize.js';

const PROPERTIES = ['name', 'domain', 'warp_ban', 'country', 'zip', 'city'] as const;

/**
 * HubSpot refuses search bodies over 3,000 characters; the rest of the body (properties, sort,
 * cursor, limit) takes well under 600 of them.
 */
const VALUE_CHARS_PER_SEARCH = 2_400;
const PAGE_SIZE = 200;

export interface ExistingCompany {
  companyId: string;
  rule: MatchRule;
}

/**
 * Before the sync creates companies for new customers: the companies sales already made for
 * them, found with the match run's rules. A burst costs one search per few dozen customers (its
 * domains and names as IN filters), not one per customer. Only an unambiguous proposal at the
 * run's default confidence counts, and never a company that carries a BAN or is linked already:
 * anything less leaves the customer to today's path (a company upserted on `warp_ban`). Exact
 * names only: HubSpot cannot search normalized ones, so near names are for the match run.
 */
export async function findExistingCompanies(
  deps: { db: DbOrTx; companies: Pick<HubspotCompanies, 'searchCompanies'> },
  customers: Parameters<typeof toMatchCustomer>[0][],
): Promise<Map<string, ExistingCompany>> {
  const matchable = customers.map(toMatchCustomer);
  const found = new Map<string, CompanyRecord>();
  for (const chunk of searchChunks(matchable)) {
    let cursor;
    do {
      const page = await deps.companies.searchCompanies({ properties: PROPERTIES, pageSize: PAGE_SIZE, anyOf: chunk }, cursor);
      for (const company of page.results) found.set(company.id, company);
      cursor = page.next;
    } while (cursor);
  }
  const candidates = [...found.values()].filter((c) => !c.properties.warp_ban?.trim());
  if (candidates.length === 0) return new Map();
  const linked = await deps.db
    .selectFrom('customers')
    .select('hubspot_company_id')
    .where(
      'hubspot_company_id',
      'in',
      candidates.map((c) => c.id),
    )
    .execute();
  const proposals = matchCustomers(matchable, candidates.map(toMatchCompany), {
    linkedCompanyIds: new Set(linked.map((r) => r.hubspot_company_id!)),
  });
  const existing = new Map<string, ExistingCompany>();
  for (const p of proposals) {
    if (p.status === 'MATCHED' && decideProposal(p, DEFAULT_MIN_CONFIDENCE) === 'LINK')
      existing.set(p.customerId, { companyId: p.companyId, rule: p.rule });
  }
  return existing;
}

function toMatchCompany(c: CompanyRecord): MatchCompany {
  const p = c.properties;
  return { id: c.id, name: p.name, domain: p.domain, warpBan: p.warp_ban, country: p.country, zip: p.zip, city: p.city };
}

/** The customers' corporate domains and exact names, split into searches that fit HubSpot's body limit. */
function searchChunks(customers: readonly MatchCustomer[]): Array<Array<{ propertyName: string; values: string[] }>> {
  const chunks: Array<Array<{ propertyName: string; values: string[] }>> = [];
  let domains = new Set<string>();
  let names = new Set<string>();
  let chars = 0;
  const flush = () => {
    if (domains.size + names.size > 0)
      chunks.push([
        { propertyName: 'domain', values: [...domains] },
        { propertyName: 'name', values: [...names] },
      ]);
    domains = new Set();
    names = new Set();
    chars = 0;
  };
  for (const c of customers) {
    const ownDomains = [companyDomain(domainOfEmail(c.email)), companyDomain(domainOfWebsite(c.website))].filter(
      (d): d is string => d !== null,
    );
    const ownNames = [c.companyName, c.legalName].map((n) => n?.trim()).filter((n): n is string => !!n);
    const cost = [...ownDomains, ...ownNames].reduce((sum, v) => sum + JSON.stringify(v).length + 1, 0);
    if (chars + cost > VALUE_CHARS_PER_SEARCH) flush();
    ownDomains.forEach((d) => domains.add(d));
    ownNames.forEach((n) => names.add(n));
    chars += cost;
  }
  flush();
  return chunks;
}
