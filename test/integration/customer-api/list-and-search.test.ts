import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('GET /v1/customers: paging, search and status filter', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const created: { id: string; ban: string }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
    const bodies = [
      newCustomer({ company_name: 'Zephyr 100% Voice', legal_name: 'Zephyr Holdings' }),
      newCustomer({ company_name: 'North_Star Telecom', status: 'SUSPENDED' }),
      newCustomer({ company_name: 'Northstar Telecom', legal_name: 'NS Legal Entity', status: 'TRIAL' }),
      ...Array.from({ length: 22 }, (_, i) => newCustomer({ company_name: `Bulk Carrier ${i}` })),
    ];
    for (const body of bodies) created.push((await call(api, 'POST', '/v1/customers', { body })).body.data);
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it('pages newest first with total and total_pages (default 20 per page)', async () => {
    const first = await call(api, 'GET', '/v1/customers');
    expect(first.status).toBe(200);
    expect(first.body.data.pagination).toEqual({ page: 1, per_page: 20, total: 25, total_pages: 2 });
    expect(first.body.data.items).toHaveLength(20);
    expect(first.body.data.items[0].id).toBe(created[24]!.id);
    const second = await call(api, 'GET', '/v1/customers?page=2');
    expect(second.body.data.items.map((c: { id: string }) => c.id)).toEqual(
      created
        .slice(0, 5)
        .map((c) => c.id)
        .reverse(),
    );
    const beyond = await call(api, 'GET', '/v1/customers?page=9&per_page=10');
    expect(beyond.body.data).toEqual({ items: [], pagination: { page: 9, per_page: 10, total: 25, total_pages: 3 } });
  });

  it('orders rows with equal created_at by id, so pages never overlap', async () => {
    await t.db
      .updateTable('customers')
      .set({ created_at: new Date('2024-01-01T00:00:00Z') })
      .execute();
    const ids: string[] = [];
    for (let page = 1; page <= 5; page++) {
      const res = await call(api, 'GET', `/v1/customers?per_page=6&page=${page}`);
      ids.push(...res.body.data.items.map((c: { id: string }) => c.id));
    }
    expect(new Set(ids).size).toBe(25);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('searches company name, legal name and BAN case-insensitively', async () => {
    const byName = await call(api, 'GET', '/v1/customers?search=NORTH');
    expect(byName.body.data.items.map((c: { company_name: string }) => c.company_name).sort()).toEqual([
      'North_Star Telecom',
      'Northstar Telecom',
    ]);
    const byLegal = await call(api, 'GET', '/v1/customers?search=ns%20legal');
    expect(byLegal.body.data.items.map((c: { id: string }) => c.id)).toEqual([created[2]!.id]);
    const byBan = await call(api, 'GET', `/v1/customers?search=${created[7]!.ban.slice(3).toLowerCase()}`);
    expect(byBan.body.data.items.map((c: { id: string }) => c.id)).toContain(created[7]!.id);
    expect(byBan.body.data.pagination.total).toBe(byBan.body.data.items.length);
  });

  it('treats % and _ in the search term as literal characters', async () => {
    const underscore = await call(api, 'GET', '/v1/customers?search=h_s');
    expect(underscore.body.data.items.map((c: { company_name: string }) => c.company_name)).toEqual(['North_Star Telecom']);
    const percent = await call(api, 'GET', '/v1/customers?search=100%25');
    expect(percent.body.data.items.map((c: { company_name: string }) => c.company_name)).toEqual(['Zephyr 100% Voice']);
    expect((await call(api, 'GET', '/v1/customers?search=%25')).body.data.pagination.total).toBe(1);
  });

  it('filters by status, combined with search and counted the same way', async () => {
    const suspended = await call(api, 'GET', '/v1/customers?status=SUSPENDED');
    expect(suspended.body.data.items.map((c: { id: string }) => c.id)).toEqual([created[1]!.id]);
    expect(suspended.body.data.pagination.total).toBe(1);
    const trialNorth = await call(api, 'GET', '/v1/customers?status=TRIAL&search=north');
    expect(trialNorth.body.data.items.map((c: { id: string }) => c.id)).toEqual([created[2]!.id]);
  });

  it.each([
    ['page=0', 'page'],
    ['page=abc', 'page'],
    ['per_page=101', 'per_page'],
    ['per_page=0', 'per_page'],
    ['status=active', 'status'],
    ['page=1&page=2', 'page'],
    [`search=${'x'.repeat(101)}`, 'search'],
  ])('rejects %s with 400 VALIDATION_FAILED naming %s', async (query, field) => {
    const res = await call(api, 'GET', `/v1/customers?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual([field]);
  });
});
