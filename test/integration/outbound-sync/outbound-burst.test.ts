import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  hubspotCalls,
  outboxSettled,
  sandboxCompaniesByBan,
  startFieldSyncHarness,
  type FieldSyncHarness,
} from './field-sync-harness.js';
import { banFor, insertCustomersWithOutbox, updateCustomersWithOutbox } from '../../support/customer-factory.js';

const BURST = 500;
const WORKERS = 4;

describe('bursts through the emulator with concurrent workers', () => {
  let h: FieldSyncHarness;
  let ids: string[];
  beforeAll(async () => {
    h = await startFieldSyncHarness();
    for (let i = 0; i < WORKERS; i++) await h.startWorker({ maxMessages: 5 });
  });
  afterAll(() => h?.close());

  it(`${BURST} new customers are synced in batches: one company each, far below one call per change, within the rate limit`, async () => {
    ids = await insertCustomersWithOutbox(h.database.db, BURST);
    expect(await h.relay()).toEqual({ published: BURST, failed: 0 });
    await outboxSettled(h, 60_000);
    const calls = await hubspotCalls(h);
    expect(calls / BURST).toBeLessThan(0.1);

    const linked = await h.database.db.selectFrom('customers').select(['ban', 'hubspot_company_id', 'hubspot_link_status']).execute();
    expect(linked.every((c) => c.hubspot_link_status === 'LINKED')).toBe(true);
    const byBan = await sandboxCompaniesByBan(h);
    expect(byBan.size).toBe(BURST);
    for (const c of linked) expect(byBan.get(c.ban)).toEqual([c.hubspot_company_id]);

    const view = await h.sandbox.control.requests(10_000);
    expect(view.counters.byStatus['429']).toBeUndefined();
    expect(view.maxInWindow).toBeLessThanOrEqual(100);
  }, 90_000);

  it('a burst of updates to the same customers: one history read and one write per 50, HubSpot follows', async () => {
    await h.sandbox.control.clearRequests();
    await updateCustomersWithOutbox(h.database.db, ids, 'v2');
    await h.relay();
    await outboxSettled(h, 60_000);
    const { counters } = await h.sandbox.control.requests();
    expect(counters.total / BURST).toBeLessThanOrEqual(0.06);
    const sample = await h.database.db
      .selectFrom('customers')
      .selectAll()
      .where('ban', 'in', [banFor(0), banFor(249), banFor(499)])
      .execute();
    for (const c of sample) {
      const company = await h.sandbox.control.company(c.hubspot_company_id!);
      expect(company.properties.name).toBe(c.company_name);
      expect(company.properties.city).toBe('City v2');
    }
  }, 90_000);

  it('rapid successive API updates of one customer, raced by concurrent workers, end with HubSpot equal to WARP', async () => {
    const id = ids[7]!;
    for (let i = 1; i <= 6; i++)
      await h.customers.update(ADMIN, id, { company_name: `Raced ${i}`, contact: { email: `raced${i}@example.com` } });
    // A batch whose customer keeps changing through its rounds hands the rows back to the relay.
    await outboxSettled(h, 45_000, { relayTicking: true });
    const c = await h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const company = await h.sandbox.control.company(c.hubspot_company_id!);
    expect(c.company_name).toBe('Raced 6');
    expect(company.properties.name).toBe('Raced 6');
    expect(company.properties.warp_contact_email).toBe('raced6@example.com');
    const states = await h.database.db.selectFrom('hubspot_field_state').selectAll().where('customer_id', '=', id).execute();
    expect(states.find((s) => s.warp_field === 'company_name')?.base_value).toBe('Raced 6');
  }, 60_000);
});
