import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, principal, startCustomerApi, type RunningApi } from './support.js';

describe('POST /v1/customers with Idempotency-Key', () => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase();
    const users = {
      admin: principal('11111111-1111-4111-8111-111111111111', 'ALL'),
      other: principal('33333333-3333-4333-8333-333333333333', 'ALL'),
    };
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator(users).authenticator });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  const countNamed = async (name: string) =>
    (await t.db.selectFrom('customers').select('id').where('company_name', '=', name).execute()).length;

  it('a retry returns the first response (status, body, ETag) and creates nothing more', async () => {
    const body = newCustomer();
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await call(api, 'POST', '/v1/customers', { body, headers });
    // Same body with keys in another order: the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await call(api, 'POST', '/v1/customers', { body: reordered, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await countNamed(body.company_name as string)).toBe(1);
  });

  it('10 concurrent requests with one key create exactly one customer and all get its response', async () => {
    const body = newCustomer();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call(api, 'POST', '/v1/customers', { body, headers: { 'idempotency-key': 'burst-1' } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(await countNamed(body.company_name as string)).toBe(1);
    const id = results[0]!.body.data.id;
    expect(await t.db.selectFrom('hubspot_sync_queue').select('id').where('customer_id', '=', id).execute()).toHaveLength(1);
  });

  it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const headers = { 'idempotency-key': 'reuse-1' };
    expect((await call(api, 'POST', '/v1/customers', { body: newCustomer(), headers })).status).toBe(201);
    const other = newCustomer();
    const res = await call(api, 'POST', '/v1/customers', { body: other, headers });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countNamed(other.company_name as string)).toBe(0);
  });

  it('keys are per user: another user with the same key creates their own customer', async () => {
    const body = newCustomer();
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await call(api, 'POST', '/v1/customers', { body, headers });
    const b = await call(api, 'POST', '/v1/customers', { body, headers, token: 'other' });
    expect(a.body.data.id).not.toBe(b.body.data.id);
    expect(await countNamed(body.company_name as string)).toBe(2);
  });

  it('a request refused by validation stores no key, so a corrected retry with it succeeds', async () => {
    const headers = { 'idempotency-key': 'fix-then-retry' };
    expect((await call(api, 'POST', '/v1/customers', { body: { company_name: 'x' }, headers })).status).toBe(400);
    expect((await call(api, 'POST', '/v1/customers', { body: newCustomer(), headers })).status).toBe(201);
  });

  it('a malformed key is 400 naming Idempotency-Key', async () => {
    const res = await call(api, 'POST', '/v1/customers', { body: newCustomer(), headers: { 'idempotency-key': 'x'.repeat(256) } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe('Idempotency-Key');
  });
});
