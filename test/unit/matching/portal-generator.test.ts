import { describe, expect, it } from 'vitest';
import { generatePortal } from '../../../dev/hubspot-sandbox/portal-generator.js';
import { decideProposal, matchCustomers, type MatchCustomer } from '../../../shared/matching/match.js';

describe('generatePortal', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(generatePortal(300, 7)).toEqual(generatePortal(300, 7));
    expect(generatePortal(300, 7)).not.toEqual(generatePortal(300, 8));
  });

  it('has the requested customers, every case, and companies without a WARP counterpart', () => {
    const portal = generatePortal(1000, 3);
    expect(portal.customers).toHaveLength(1000);
    expect(portal.companies).toHaveLength(1000);
    const cases = new Set(portal.customers.map((c) => c.case));
    expect([...cases].sort()).toEqual(['EXACT', 'FREE_MAIL', 'NEAR_NAME', 'SHARED_DOMAIN', 'WARP_ONLY']);
    const expected = new Set(portal.customers.map((c) => c.expectedCompany).filter((i) => i != null));
    expect(portal.companies.length - expected.size).toBeGreaterThanOrEqual(100);
    expect(portal.companies.some((c) => c.domain === 'gmail.com' || c.domain === 'yahoo.com')).toBe(true);
  });

  it('the matcher reaches exactly the outcome each customer was generated for', () => {
    const portal = generatePortal(2000, 11);
    const customers: MatchCustomer[] = portal.customers.map((c, i) => ({
      id: `c${i}`,
      ban: `DM-${String(i).padStart(9, '0')}`,
      companyName: c.company_name,
      email: c.email,
      city: c.city,
      zip: c.zip,
      country: c.country,
    }));
    const proposals = matchCustomers(
      customers,
      portal.companies.map((properties, i) => ({ id: `h${i}`, ...properties })),
    );
    for (const [i, p] of proposals.entries()) {
      const want = portal.customers[i]!;
      const linked = decideProposal(p, 0.6) === 'LINK' && p.status === 'MATCHED' ? p.companyId : null;
      expect({ i, case: want.case, linked }).toEqual({
        i,
        case: want.case,
        linked: want.expectedCompany == null ? null : `h${want.expectedCompany}`,
      });
      if (want.case === 'SHARED_DOMAIN') expect(p).toMatchObject({ status: 'AMBIGUOUS', reason: 'COMPANY_CONTESTED' });
    }
  });
});
