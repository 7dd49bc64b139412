import type { Db } from '../../../shared/db/database.js';
import { generatePortal, type SeededPortal } from '../../../dev/hubspot-sandbox/portal-generator.js';
import type { RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import { customerRow, insertCustomers } from '../../support/customer-factory.js';

export interface SeededOnboarding {
  portal: SeededPortal;
  /** HubSpot's id of each seeded company, in the portal's order. */
  companyIds: string[];
  /** The WARP customer of each seeded customer, in the portal's order. */
  customerIds: string[];
  /** customer id -> the company id it must end up linked to, or null. */
  expected: Map<string, string | null>;
}

/**
 * A hand-filled HubSpot portal and the WARP customer base it mirrors, as onboarding meets them:
 * companies seeded quietly (no webhooks, no warp_ban) and customers that were never synced.
 */
export async function seedOnboarding(db: Db, sandbox: RunningSandbox, size: number, seed = 7): Promise<SeededOnboarding> {
  const portal = generatePortal(size, seed);
  const companyIds: string[] = [];
  for (let i = 0; i < portal.companies.length; i += 1000)
    companyIds.push(...(await sandbox.control.seed(portal.companies.slice(i, i + 1000))));
  const customerIds: string[] = [];
  for (let i = 0; i < portal.customers.length; i += 1000) {
    const rows = await insertCustomers(
      db,
      portal.customers.slice(i, i + 1000).map((c, j) =>
        customerRow(i + j, {
          prefix: 'MX',
          company_name: c.company_name,
          contact: { name: 'Billing', email: c.email, phone: '+1 415 555 0100' },
          address: { line1: '1 Main St', city: c.city, zip: c.zip, country: c.country },
        }),
      ),
    );
    customerIds.push(...rows.map((r) => r.id));
  }
  const expected = new Map(
    portal.customers.map((c, i) => [customerIds[i]!, c.expectedCompany === null ? null : companyIds[c.expectedCompany]!]),
  );
  return { portal, companyIds, customerIds, expected };
}
