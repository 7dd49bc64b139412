import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideProposal,
  matchCustomers,
  RULE_CONFIDENCE,
  toMatchCustomer,
  type MatchCompany,
  type MatchCustomer,
  type MatchProposal,
} from '../../../shared/matching/match.js';

const customer = (over: Partial<MatchCustomer> = {}): MatchCustomer => ({
  id: 'c1',
  ban: 'DM-000000001',
  companyName: 'Acme Telecom',
  email: 'ops@gmail.com',
  ...over,
});
const company = (over: Partial<MatchCompany> = {}): MatchCompany => ({ id: 'h1', name: 'Unrelated', ...over });
const one = (c: MatchCustomer, companies: MatchCompany[]): MatchProposal => matchCustomers([c], companies)[0]!;

describe('matchCustomers: rules one by one', () => {
  it.each<[string, Partial<MatchCustomer>, Partial<MatchCompany>, string, string | null]>([
    ['warp_ban equal', {}, { warpBan: 'DM-000000001' }, 'MATCHED', 'WARP_BAN'],
    ['warp_ban with whitespace', {}, { warpBan: ' DM-000000001 ' }, 'MATCHED', 'WARP_BAN'],
    ['email domain = company domain', { email: 'ops@acme.com' }, { domain: 'acme.com' }, 'MATCHED', 'DOMAIN'],
    ['website domain = company domain', { website: 'https://www.acme.com' }, { domain: 'www.acme.com' }, 'MATCHED', 'DOMAIN'],
    ['free-mail email never matches', { email: 'ops@gmail.com' }, { domain: 'gmail.com' }, 'NONE', null],
    ['free-mail website never matches', { website: 'gmail.com' }, { domain: 'gmail.com' }, 'NONE', null],
    ['subdomain is not the domain', { email: 'ops@mail.acme.com' }, { domain: 'acme.com' }, 'NONE', null],
    ['name alone, no location on either side', {}, { name: 'ACME TELECOM, INC.' }, 'MATCHED', 'NAME'],
    ['legal name matches', { legalName: 'Acme Holdings GmbH' }, { name: 'acme holdings' }, 'MATCHED', 'NAME'],
    [
      'name + country + zip',
      { country: 'US', zip: '62701' },
      { name: 'Acme Telecom LLC', country: 'United States', zip: '62701-1234' },
      'MATCHED',
      'NAME_LOCATION',
    ],
    [
      'name + country + city',
      { country: 'US', city: 'Springfield' },
      { name: 'Acme Telecom', country: 'usa', city: 'SPRINGFIELD' },
      'MATCHED',
      'NAME_LOCATION',
    ],
    [
      'name + country, no zip/city on company',
      { country: 'US', zip: '62701' },
      { name: 'Acme Telecom', country: 'US' },
      'MATCHED',
      'NAME_LOCATION',
    ],
    ['name + zip, no country on company', { country: 'US', zip: '62701' }, { name: 'Acme Telecom', zip: '62701' }, 'MATCHED', 'NAME'],
    [
      'zip differs but city agrees',
      { zip: '62701', city: 'Springfield' },
      { name: 'Acme Telecom', zip: '62999', city: 'Springfield' },
      'MATCHED',
      'NAME',
    ],
    ['country differs', { country: 'US' }, { name: 'Acme Telecom', country: 'DE' }, 'NONE', null],
    ['zip differs, no city', { country: 'US', zip: '62701' }, { name: 'Acme Telecom', country: 'US', zip: '10001' }, 'NONE', null],
    ['city differs, no zip', { city: 'Springfield' }, { name: 'Acme Telecom', city: 'Chicago' }, 'NONE', null],
    ['near name is not a match', {}, { name: 'Acme Telecoms' }, 'NONE', null],
    [
      'company stamped with another BAN is taken',
      { email: 'ops@acme.com' },
      { domain: 'acme.com', name: 'Acme Telecom', warpBan: 'DM-000000999' },
      'NONE',
      null,
    ],
  ])('%s', (_label, c, h, status, rule) => {
    const p = one(customer(c), [company(h)]);
    expect(p.status).toBe(status);
    expect(p.status === 'NONE' ? null : p.rule).toBe(rule);
    if (p.status === 'MATCHED') expect(p.companyId).toBe('h1');
  });
});

describe('matchCustomers: precedence and candidates', () => {
  it('warp_ban beats domain beats name, and the others are listed as candidates', () => {
    const p = one(customer({ email: 'ops@acme.com' }), [
      company({ id: 'byName', name: 'Acme Telecom' }),
      company({ id: 'byDomain', domain: 'acme.com' }),
      company({ id: 'byBan', warpBan: 'DM-000000001' }),
    ]);
    expect(p).toEqual({
      customerId: 'c1',
      status: 'MATCHED',
      companyId: 'byBan',
      rule: 'WARP_BAN',
      confidence: RULE_CONFIDENCE.WARP_BAN,
      candidates: [
        { companyId: 'byBan', rule: 'WARP_BAN', confidence: 1 },
        { companyId: 'byDomain', rule: 'DOMAIN', confidence: 0.9 },
        { companyId: 'byName', rule: 'NAME', confidence: 0.6 },
      ],
    });
  });

  it('a company matching by several rules appears once, under its strongest rule', () => {
    const p = one(customer({ email: 'ops@acme.com' }), [company({ name: 'Acme Telecom Inc', domain: 'acme.com' })]);
    expect(p.candidates).toEqual([{ companyId: 'h1', rule: 'DOMAIN', confidence: 0.9 }]);
  });

  it('a stronger single candidate wins over several weaker ones', () => {
    const p = one(customer({ email: 'ops@acme.com' }), [
      company({ id: 'd', domain: 'acme.com' }),
      company({ id: 'n1', name: 'Acme Telecom' }),
      company({ id: 'n2', name: 'Acme Telecom Ltd' }),
    ]);
    expect(p.status).toBe('MATCHED');
    expect(p.status === 'MATCHED' && p.companyId).toBe('d');
  });

  it('two equal best candidates are AMBIGUOUS', () => {
    const p = one(customer(), [company({ id: 'a', name: 'Acme Telecom' }), company({ id: 'b', name: 'Acme Telecom LLC' })]);
    expect(p).toMatchObject({ status: 'AMBIGUOUS', reason: 'EQUAL_CANDIDATES', rule: 'NAME' });
    expect(p.candidates.map((c) => c.companyId)).toEqual(['a', 'b']);
  });

  it('a corroborated name beats a bare name, so it is not ambiguous', () => {
    const p = one(customer({ country: 'US', city: 'Springfield' }), [
      company({ id: 'bare', name: 'Acme Telecom' }),
      company({ id: 'located', name: 'Acme Telecom', country: 'US', city: 'Springfield' }),
    ]);
    expect(p).toMatchObject({ status: 'MATCHED', companyId: 'located', rule: 'NAME_LOCATION' });
  });

  it('two customers on one company are both AMBIGUOUS and name each other', () => {
    const [a, b] = matchCustomers(
      [customer({ id: 'c1', ban: 'B1', companyName: 'Acme' }), customer({ id: 'c2', ban: 'B2', companyName: 'ACME Inc.' })],
      [company({ id: 'h', name: 'Acme LLC' })],
    );
    expect(a).toMatchObject({ status: 'AMBIGUOUS', reason: 'COMPANY_CONTESTED', contestedWith: ['c2'] });
    expect(b).toMatchObject({ status: 'AMBIGUOUS', reason: 'COMPANY_CONTESTED', contestedWith: ['c1'] });
  });

  it('shared domain: two customers of one corporate domain are contested', () => {
    const proposals = matchCustomers(
      [
        customer({ id: 'c1', ban: 'B1', email: 'a@acme.com' }),
        customer({ id: 'c2', ban: 'B2', companyName: 'Other', email: 'b@acme.com' }),
      ],
      [company({ id: 'h', domain: 'acme.com' })],
    );
    expect(proposals.map((p) => p.status)).toEqual(['AMBIGUOUS', 'AMBIGUOUS']);
  });

  it('a weaker claim by another customer does not contest a stronger one elsewhere', () => {
    const [a, b] = matchCustomers(
      [customer({ id: 'c1', ban: 'B1', email: 'ops@acme.com' }), customer({ id: 'c2', ban: 'B2', companyName: 'Acme Telecom' })],
      [company({ id: 'd', domain: 'acme.com', name: 'Acme Telecom' }), company({ id: 'x', name: 'Acme Telecom', warpBan: 'B2' })],
    );
    expect(a).toMatchObject({ status: 'MATCHED', companyId: 'd', rule: 'DOMAIN' });
    expect(b).toMatchObject({ status: 'MATCHED', companyId: 'x', rule: 'WARP_BAN' });
  });

  it('already linked companies are never proposed', () => {
    const [p] = matchCustomers([customer()], [company({ name: 'Acme Telecom' })], { linkedCompanyIds: new Set(['h1']) });
    expect(p).toEqual({ customerId: 'c1', status: 'NONE', candidates: [] });
  });

  it('one proposal per customer, in input order', () => {
    const cs = [customer({ id: 'z' }), customer({ id: 'a', ban: 'B2' }), customer({ id: 'm', ban: 'B3' })];
    expect(matchCustomers(cs, []).map((p) => p.customerId)).toEqual(['z', 'a', 'm']);
  });
});

describe('decideProposal', () => {
  it.each<[Partial<MatchCustomer>, MatchCompany[], number, string]>([
    [{}, [company({ warpBan: 'DM-000000001' })], 1, 'LINK'],
    [{}, [company({ name: 'Acme Telecom' })], 0.6, 'LINK'],
    [{}, [company({ name: 'Acme Telecom' })], 0.8, 'BELOW_MIN_CONFIDENCE'],
    [{}, [company({ id: 'a', name: 'Acme Telecom' }), company({ id: 'b', name: 'Acme Telecom' })], 0, 'AMBIGUOUS'],
    [{}, [], 0, 'NO_MATCH'],
  ])('%#', (c, companies, min, decision) => {
    expect(decideProposal(one(customer(c), companies), min)).toBe(decision);
  });
});

describe('matchCustomers: properties', () => {
  // Small alphabets so that collisions (shared names, domains, BANs) are frequent.
  const nameArb = fc.constantFrom('Acme', 'ACME Inc.', 'acme llc', 'Beta GmbH', 'beta', 'Gamma Co', 'Delta', '');
  const domainArb = fc.option(fc.constantFrom('acme.com', 'beta.de', 'gmail.com', 'www.acme.com', 'delta.io'));
  const countryArb = fc.option(fc.constantFrom('US', 'USA', 'DE', 'GB'));
  const zipArb = fc.option(fc.constantFrom('62701', '10001', '62701-1234'));
  const cityArb = fc.option(fc.constantFrom('Springfield', 'Berlin', 'London'));
  const banArb = fc.constantFrom('B1', 'B2', 'B3', 'B4');
  const customersArb = fc
    .array(
      fc.record({
        ban: banArb,
        companyName: nameArb,
        legalName: fc.option(nameArb),
        email: fc.option(domainArb.map((d) => (d ? `ops@${d}` : 'nobody'))),
        website: domainArb,
        country: countryArb,
        zip: zipArb,
        city: cityArb,
      }),
      { maxLength: 8 },
    )
    .map((cs) => cs.map((c, i): MatchCustomer => ({ ...c, id: `c${i}`, ban: `${c.ban}-${i}` })));
  const companiesArb = fc
    .array(
      fc.record({
        name: fc.option(nameArb),
        domain: domainArb,
        warpBan: fc.option(fc.constantFrom('B1-0', 'B2-1', 'B3-2', 'other')),
        country: countryArb,
        zip: zipArb,
        city: cityArb,
      }),
      { maxLength: 8 },
    )
    .map((hs) => hs.map((h, i): MatchCompany => ({ ...h, id: `h${i}` })));

  it('never proposes one company for two customers, one proposal per customer, MATCHED is a unique best', () => {
    fc.assert(
      fc.property(customersArb, companiesArb, (customers, companies) => {
        const proposals = matchCustomers(customers, companies);
        expect(proposals.map((p) => p.customerId)).toEqual(customers.map((c) => c.id));
        const matched = proposals.filter((p) => p.status === 'MATCHED');
        const ids = matched.map((p) => p.companyId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const p of matched) {
          expect(p.candidates[0]!.companyId).toBe(p.companyId);
          expect(p.candidates.filter((c) => c.confidence === p.confidence)).toHaveLength(1);
        }
        for (const p of proposals) {
          const sorted = [...p.candidates].sort((a, b) => b.confidence - a.confidence);
          expect(p.candidates.map((c) => c.confidence)).toEqual(sorted.map((c) => c.confidence));
          expect(new Set(p.candidates.map((c) => c.companyId)).size).toBe(p.candidates.length);
          if (p.status !== 'NONE') expect(p.candidates[0]!.confidence).toBe(p.confidence);
        }
      }),
    );
  });

  it('never proposes a company stamped with another BAN, nor a linked company', () => {
    fc.assert(
      fc.property(customersArb, companiesArb, fc.array(fc.nat(7)), (customers, companies, linkedIdx) => {
        const linked = new Set(linkedIdx.map((i) => `h${i}`));
        const bans = new Map(companies.map((h) => [h.id, h.warpBan]));
        for (const [i, p] of matchCustomers(customers, companies, { linkedCompanyIds: linked }).entries()) {
          for (const c of p.candidates) {
            expect(linked.has(c.companyId)).toBe(false);
            const ban = bans.get(c.companyId);
            if (ban != null) expect(ban).toBe(customers[i]!.ban);
          }
        }
      }),
    );
  });

  it('does not depend on the order companies are listed in', () => {
    fc.assert(
      fc.property(customersArb, companiesArb, (customers, companies) => {
        const forward = matchCustomers(customers, companies);
        const backward = matchCustomers(customers, [...companies].reverse());
        expect(backward).toEqual(forward);
      }),
    );
  });

  it('free-mail domains never produce a DOMAIN candidate', () => {
    fc.assert(
      fc.property(customersArb, companiesArb, (customers, companies) => {
        const freeMailOnly = companies.map((h) => ({ ...h, domain: 'gmail.com', name: null, warpBan: null }));
        for (const p of matchCustomers(customers, freeMailOnly)) expect(p.status).toBe('NONE');
      }),
    );
  });
});

describe('toMatchCustomer', () => {
  const row = { id: 'c1', ban: 'AB-000000001', company_name: 'Acme', legal_name: 'Acme Inc.' };

  it('reads the contact email, website and address from the customer row', () => {
    const customer = toMatchCustomer({
      ...row,
      contact: { email: 'ops@acme.example', name: 'Ops' },
      address: { city: 'Austin', zip: '73301', country: 'US' },
      business_info: { website: 'https://acme.example' },
    });
    expect(customer).toEqual({
      id: 'c1',
      ban: 'AB-000000001',
      companyName: 'Acme',
      legalName: 'Acme Inc.',
      email: 'ops@acme.example',
      website: 'https://acme.example',
      country: 'US',
      zip: '73301',
      city: 'Austin',
    });
  });

  it('takes missing objects and non-text values as absent', () => {
    const customer = toMatchCustomer({ ...row, contact: { email: 42 }, address: null, business_info: null });
    expect(customer).toMatchObject({ email: null, website: null, country: null, zip: null, city: null });
  });
});
