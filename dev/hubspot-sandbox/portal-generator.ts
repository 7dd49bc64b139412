/**
 * A HubSpot portal that sales filled by hand for years, and the WARP customer base it mirrors:
 * what onboarding meets. Deterministic for a seed, and each customer carries the outcome a
 * correct matcher reaches, so tests and benchmarks can check a match run against it.
 */
import { seededRandom } from './seeded-random.js';

export type PortalCase =
  /** Same name and corporate domain on both sides. */
  | 'EXACT'
  /** Name differs only by case, punctuation or legal suffix; same location; the contact is free mail. */
  | 'NEAR_NAME'
  /** Two customers of one corporate domain and one company: must stay unlinked. */
  | 'SHARED_DOMAIN'
  /** Free-mail contact and a company under a free-mail domain with another name: no match. */
  | 'FREE_MAIL'
  /** A customer HubSpot does not know. */
  | 'WARP_ONLY';

export interface SeedCustomer {
  company_name: string;
  email: string;
  city: string;
  zip: string;
  country: string;
  case: PortalCase;
  /** Index in `companies` of the company it must be linked to; null when it must stay unlinked. */
  expectedCompany: number | null;
}

export interface SeededPortal {
  customers: SeedCustomer[];
  /** HubSpot property values, standard properties only (no `warp_ban`: nothing is linked yet). */
  companies: Array<Record<string, string>>;
}

const FIRST = [
  'Aurora',
  'Nimbus',
  'Vertex',
  'Cobalt',
  'Summit',
  'Harbor',
  'Granite',
  'Zephyr',
  'Beacon',
  'Sterling',
  'Pioneer',
  'Atlas',
  'Meridian',
  'Falcon',
  'Orion',
  'Cedar',
  'Quantum',
  'Lumen',
  'Redwood',
  'Polar',
];
const SECOND = [
  'Telecom',
  'Networks',
  'Voice',
  'Communications',
  'Data',
  'Connect',
  'Wireless',
  'Fiber',
  'Signal',
  'Carrier',
  'Link',
  'Wave',
  'Digital',
  'Systems',
  'Mobile',
  'Broadband',
  'Cloud',
  'Telco',
  'Labs',
  'Transit',
];
const THIRD = ['', 'Group', 'Partners', 'Holdings', 'Solutions', 'Services', 'Global', 'International', 'Works', 'One'];
const SUFFIXES = ['Inc.', 'LLC', 'Ltd', 'GmbH', 'Corp.', 'Co.', 'S.A.', 'AG', 'B.V.', 'PLC', 'Pty Ltd'];
const FREE_MAIL = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'];
const PLACES: ReadonlyArray<{ city: string; zip: string; country: string }> = [
  { city: 'Springfield', zip: '62701', country: 'US' },
  { city: 'Austin', zip: '73301', country: 'US' },
  { city: 'Denver', zip: '80202', country: 'US' },
  { city: 'Berlin', zip: '10115', country: 'DE' },
  { city: 'London', zip: 'SW1A 1AA', country: 'GB' },
  { city: 'Toronto', zip: 'M5H 2N2', country: 'CA' },
  { city: 'Sydney', zip: '2000', country: 'AU' },
  { city: 'Amsterdam', zip: '1012', country: 'NL' },
];
/** Cumulative weights of the cases, in the order of CASES. */
const CASES: ReadonlyArray<[PortalCase, number]> = [
  ['EXACT', 0.4],
  ['NEAR_NAME', 0.7],
  ['SHARED_DOMAIN', 0.8],
  ['FREE_MAIL', 0.9],
  ['WARP_ONLY', 1],
];

/** A distinct name for each index: 20 x 20 x 10 combinations, then numbered. */
function baseName(i: number): string {
  const parts = [FIRST[i % 20], SECOND[Math.floor(i / 20) % 20], THIRD[Math.floor(i / 400) % 10]];
  const lap = Math.floor(i / 4000);
  return [...parts.filter((p) => p), ...(lap > 0 ? [String(lap + 1)] : [])].join(' ');
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * `size` customers and `size` companies: the cases' weights leave about a fifth of the
 * companies free, filled with sales' prospects that have no WARP counterpart.
 */
export function generatePortal(size: number, seed = 1): SeededPortal {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const customers: SeedCustomer[] = [];
  const companies: Array<Record<string, string>> = [];
  let n = 0;
  const nextName = () => baseName(n++);

  while (customers.length < size) {
    const r = random();
    const kind = CASES.find(([, upTo]) => r < upTo)![0];
    const name = nextName();
    const place = pick(PLACES);
    const domain = `${slug(name)}.example`;
    const company = (values: Record<string, string>) => companies.push({ ...values }) - 1;
    if (kind === 'EXACT') {
      const at = company({ name, domain, ...place });
      customers.push({ company_name: name, email: `billing@${domain}`, ...place, case: kind, expectedCompany: at });
    } else if (kind === 'NEAR_NAME') {
      const variant = pick([
        () => `${name} ${pick(SUFFIXES)}`,
        () => name.toUpperCase(),
        () => `${name.replace(/ /g, '-')}, ${pick(SUFFIXES)}`,
        () => `The ${name}`,
      ])();
      const at = company({ name: variant, ...place });
      customers.push({ company_name: name, email: `${slug(name)}@${pick(FREE_MAIL)}`, ...place, case: kind, expectedCompany: at });
    } else if (kind === 'SHARED_DOMAIN') {
      company({ name, domain, ...place });
      customers.push({ company_name: `${name} East`, email: `east@${domain}`, ...place, case: kind, expectedCompany: null });
      if (customers.length < size) {
        customers.push({ company_name: `${name} West`, email: `west@${domain}`, ...place, case: kind, expectedCompany: null });
      }
    } else if (kind === 'FREE_MAIL') {
      const mail = pick(FREE_MAIL);
      company({ name: nextName(), domain: mail, ...place });
      customers.push({ company_name: name, email: `${slug(name)}@${mail}`, ...place, case: kind, expectedCompany: null });
    } else {
      customers.push({ company_name: name, email: `ops@${domain}`, ...place, case: kind, expectedCompany: null });
    }
  }
  for (let i = 0; companies.length < size; i++) companies.push({ name: nextName(), domain: `prospect-${i}.example`, ...pick(PLACES) });
  return { customers, companies };
}
