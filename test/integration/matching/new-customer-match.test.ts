import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  customerInput,
  customerRow,
  outboxSettled,
  sandboxCompaniesByBan,
  startFieldSyncHarness,
  waitFor,
  type FieldSyncHarness,
} from '../outbound-sync/field-sync-harness.js';

describe('a new customer whose company sales already made is linked to it, not given a duplicate', () => {
  let h: FieldSyncHarness;
  let salesMade: string;
  let stamped: string;
  let contested: string;

  beforeAll(async () => {
    h = await startFieldSyncHarness();
    [salesMade, stamped, contested] = (await h.sandbox.control.seed([
      { name: 'Salesmade Networks', domain: 'salesmade.example', city: 'London', country: 'GB' },
      { name: 'Stamped Telecom', domain: 'stamped.example', warp_ban: 'ZZ-000000001' },
      { name: 'Twin Carriers', domain: 'twins.example' },
    ])) as [string, string, string];
  });
  afterAll(() => h?.close());

  const create = async (name: string, email: string) => {
    const input = { ...customerInput(name), contact: { ...customerInput(name).contact, email } };
    return (JSON.parse((await h.customers.create(ADMIN, input, {})).body) as { data: { id: string; ban: string } }).data;
  };
  const linked = (id: string) =>
    waitFor(
      async () => ((await customerRow(h, id)).hubspot_link_status === 'LINKED' ? customerRow(h, id) : undefined),
      `customer ${id} linked`,
    );

  it('links by domain within the burst, stamps the BAN there, and creates companies only for the others', async () => {
    const before = (await h.sandbox.control.requests()).counters;
    const match = await create('Salesmade Networks Ltd', 'billing@salesmade.example');
    const fresh = await create('Brand New Voice', 'ops@brandnew.example');
    const onStamped = await create('Stamped Telecom', 'ops@stamped.example');
    const twinA = await create('Twin Carriers East', 'east@twins.example');
    const twinB = await create('Twin Carriers West', 'west@twins.example');
    // One burst: the worker starts once all five are waiting.
    await h.startWorker({ matchNewCustomers: true });
    for (const c of [match, fresh, onStamped, twinA, twinB]) await linked(c.id);
    await outboxSettled(h);

    expect((await customerRow(h, match.id)).hubspot_company_id).toBe(salesMade);
    expect((await h.sandbox.control.company(salesMade)).properties.warp_ban).toBe(match.ban);
    const log = await h.database.db
      .selectFrom('hubspot_sync_log')
      .select(['operation', 'fields'])
      .where('customer_id', '=', match.id)
      .where('operation', '=', 'LINK_COMPANY')
      .executeTakeFirstOrThrow();
    expect(log.fields).toMatchObject({ rule: 'DOMAIN', hubspot_company_id: { new: salesMade } });

    // A company carrying another BAN, and one two new customers compete for, are never taken.
    for (const c of [fresh, onStamped, twinA, twinB])
      expect((await customerRow(h, c.id)).hubspot_company_id).not.toMatch(new RegExp(`^(${salesMade}|${stamped}|${contested})$`));
    expect((await h.sandbox.control.company(stamped)).properties.warp_ban).toBe('ZZ-000000001');
    expect((await h.sandbox.control.company(contested)).properties.warp_ban ?? '').toBe('');
    const byBan = await sandboxCompaniesByBan(h);
    for (const c of [match, fresh, onStamped, twinA, twinB]) expect(byBan.get(c.ban), c.ban).toHaveLength(1);

    // The lookup is batched: searches are few, not one per customer.
    const after = (await h.sandbox.control.requests()).counters;
    const route = 'POST /crm/v3/objects/companies/search';
    const searches = (after.byRoute[route] ?? 0) - (before.byRoute[route] ?? 0);
    expect(searches).toBeGreaterThan(0);
    expect(searches).toBeLessThanOrEqual(3);
  });
});
