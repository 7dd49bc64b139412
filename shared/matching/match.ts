import {
  companyDomain,
  domainOfEmail,
  domainOfWebsite,
  normalizeCity,
  normalizeCompanyName,
  normalizeCountry,
  normalizeZip,
  sameZip,
} from './normalize.js';

/** A WARP customer not yet linked to a HubSpot company. */
export interface MatchCustomer {
  id: string;
  ban: string;
  companyName: string;
  legalName?: string | null;
  email?: string | null;
  website?: string | null;
  country?: string | null;
  zip?: string | null;
  city?: string | null;
}

/** The fields of a customer row matching reads. */
export interface CustomerRowForMatch {
  id: string;
  ban: string;
  company_name: string;
  legal_name: string | null;
  contact: unknown;
  address: unknown;
  business_info: unknown;
}

export function toMatchCustomer(c: CustomerRowForMatch): MatchCustomer {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const field = (json: unknown, key: string) =>
    json !== null && typeof json === 'object' ? text((json as Record<string, unknown>)[key]) : null;
  return {
    id: c.id,
    ban: c.ban,
    companyName: c.company_name,
    legalName: c.legal_name,
    email: field(c.contact, 'email'),
    website: field(c.business_info, 'website'),
    country: field(c.address, 'country'),
    zip: field(c.address, 'zip'),
    city: field(c.address, 'city'),
  };
}

/** A HubSpot company as listed with only the properties matching needs. */
export interface MatchCompany {
  id: string;
  name?: string | null;
  domain?: string | null;
  warpBan?: string | null;
  country?: string | null;
  zip?: string | null;
  city?: string | null;
}

/** In order of precedence: a stronger rule always wins over a weaker one. */
export const MATCH_RULES = ['WARP_BAN', 'DOMAIN', 'NAME_LOCATION', 'NAME'] as const;
export type MatchRule = (typeof MATCH_RULES)[number];

export const RULE_CONFIDENCE: Record<MatchRule, number> = {
  WARP_BAN: 1,
  DOMAIN: 0.9,
  // Name and a corroborating country + zip or city.
  NAME_LOCATION: 0.8,
  // Name alone: neither side has a comparable location.
  NAME: 0.6,
};

export interface MatchCandidate {
  companyId: string;
  rule: MatchRule;
  confidence: number;
}

export type AmbiguityReason = 'EQUAL_CANDIDATES' | 'COMPANY_CONTESTED';

export type MatchProposal =
  | { customerId: string; status: 'MATCHED'; companyId: string; rule: MatchRule; confidence: number; candidates: MatchCandidate[] }
  | {
      customerId: string;
      status: 'AMBIGUOUS';
      reason: AmbiguityReason;
      rule: MatchRule;
      confidence: number;
      candidates: MatchCandidate[];
      /** For COMPANY_CONTESTED: the other customers whose best candidate is the same company. */
      contestedWith: string[];
    }
  | { customerId: string; status: 'NONE'; candidates: [] };

export interface MatchOptions {
  /** Companies already linked to a WARP customer: never proposed again. */
  linkedCompanyIds?: ReadonlySet<string>;
}

interface CompanyKeys {
  id: string;
  name: string | null;
  domain: string | null;
  warpBan: string | null;
  country: string | null;
  zip: string | null;
  city: string | null;
}

function companyKeys(c: MatchCompany): CompanyKeys {
  const ban = c.warpBan?.trim();
  return {
    id: c.id,
    name: normalizeCompanyName(c.name),
    domain: companyDomain(domainOfWebsite(c.domain)),
    warpBan: ban ? ban : null,
    country: normalizeCountry(c.country),
    zip: normalizeZip(c.zip),
    city: normalizeCity(c.city),
  };
}

function pushTo<K, V>(index: Map<K, V[]>, key: K, value: V): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/** Name rule for one pair, or null when a location both sides have disagrees. */
function nameRule(customer: MatchCustomer, company: CompanyKeys): MatchRule | null {
  const country = normalizeCountry(customer.country);
  if (country != null && company.country != null && country !== company.country) return null;
  const zip = normalizeZip(customer.zip);
  const city = normalizeCity(customer.city);
  const zipComparable = zip != null && company.zip != null;
  const cityComparable = city != null && company.city != null;
  if (!zipComparable && !cityComparable) return country != null && company.country != null ? 'NAME_LOCATION' : 'NAME';
  const agrees = (zipComparable && sameZip(zip, company.zip!)) || (cityComparable && city === company.city);
  if (!agrees) return null;
  return country != null && company.country != null ? 'NAME_LOCATION' : 'NAME';
}

const byConfidence = (a: MatchCandidate, b: MatchCandidate) =>
  b.confidence - a.confidence || (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0);

/**
 * One proposal per customer, in the customers' order. A customer with two candidates at its
 * best confidence, or whose best candidate is also another customer's best, is AMBIGUOUS:
 * the caller must never link it automatically.
 */
export function matchCustomers(
  customers: readonly MatchCustomer[],
  companies: readonly MatchCompany[],
  options: MatchOptions = {},
): MatchProposal[] {
  const linked = options.linkedCompanyIds ?? new Set<string>();
  const byBan = new Map<string, CompanyKeys[]>();
  const byDomain = new Map<string, CompanyKeys[]>();
  const byName = new Map<string, CompanyKeys[]>();
  for (const company of companies) {
    if (linked.has(company.id)) continue;
    const keys = companyKeys(company);
    if (keys.warpBan != null) pushTo(byBan, keys.warpBan, keys);
    if (keys.domain != null) pushTo(byDomain, keys.domain, keys);
    if (keys.name != null) pushTo(byName, keys.name, keys);
  }

  const ranked = customers.map((customer) => {
    const best = new Map<string, MatchCandidate>();
    const offer = (company: CompanyKeys, rule: MatchRule) => {
      // A company stamped with another customer's BAN belongs to that customer.
      if (company.warpBan != null && company.warpBan !== customer.ban.trim()) return;
      const confidence = RULE_CONFIDENCE[rule];
      const held = best.get(company.id);
      if (!held || held.confidence < confidence) best.set(company.id, { companyId: company.id, rule, confidence });
    };
    for (const company of byBan.get(customer.ban.trim()) ?? []) offer(company, 'WARP_BAN');
    const domains = new Set(
      [domainOfEmail(customer.email), domainOfWebsite(customer.website)].map(companyDomain).filter((d): d is string => d != null),
    );
    for (const domain of domains) for (const company of byDomain.get(domain) ?? []) offer(company, 'DOMAIN');
    const names = new Set(
      [normalizeCompanyName(customer.companyName), normalizeCompanyName(customer.legalName)].filter((n): n is string => n != null),
    );
    for (const name of names) {
      for (const company of byName.get(name) ?? []) {
        const rule = nameRule(customer, company);
        if (rule) offer(company, rule);
      }
    }
    return { customer, candidates: [...best.values()].sort(byConfidence) };
  });

  // Who holds each company as a best candidate, to find the contested ones.
  const claims = new Map<string, string[]>();
  for (const { customer, candidates } of ranked) {
    const top = candidates[0];
    if (!top) continue;
    for (const c of candidates) if (c.confidence === top.confidence) pushTo(claims, c.companyId, customer.id);
  }

  return ranked.map(({ customer, candidates }): MatchProposal => {
    const top = candidates[0];
    if (!top) return { customerId: customer.id, status: 'NONE', candidates: [] };
    const tied = candidates.filter((c) => c.confidence === top.confidence);
    const base = { customerId: customer.id, rule: top.rule, confidence: top.confidence, candidates };
    if (tied.length > 1) return { ...base, status: 'AMBIGUOUS', reason: 'EQUAL_CANDIDATES', contestedWith: [] };
    const rivals = (claims.get(top.companyId) ?? []).filter((id) => id !== customer.id);
    if (rivals.length > 0) return { ...base, status: 'AMBIGUOUS', reason: 'COMPANY_CONTESTED', contestedWith: rivals };
    return { ...base, status: 'MATCHED', companyId: top.companyId };
  });
}

export type MatchDecision = 'LINK' | 'BELOW_MIN_CONFIDENCE' | 'AMBIGUOUS' | 'NO_MATCH';

/** What a run does with a proposal: only an unambiguous match at or above `minConfidence` links. */
export function decideProposal(proposal: MatchProposal, minConfidence: number): MatchDecision {
  if (proposal.status === 'NONE') return 'NO_MATCH';
  if (proposal.status === 'AMBIGUOUS') return 'AMBIGUOUS';
  return proposal.confidence >= minConfidence ? 'LINK' : 'BELOW_MIN_CONFIDENCE';
}
