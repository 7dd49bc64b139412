import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('customer API: endpoints of the admin-portal contract', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const auth = fakeAuthenticator();

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: auth.authenticator });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it('POST /v1/customers creates a customer with a server-generated BAN, 201 and an ETag', async () => {
    const body = newCustomer({ legal_name: 'Acme Telecom LLC', credit_limit: 1500.5, payment_terms: 45 });
    const res = await call(api, 'POST', '/v1/customers', { body });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    const c = res.body.data;
    expect(c.ban).toMatch(/^[A-Z]{2}-\d{9}$/);
    expect(c).toMatchObject({
      company_name: body.company_name,
      legal_name: 'Acme Telecom LLC',
      status: 'ACTIVE',
      customer_type: 'POSTPAID',
      contact: body.contact,
      address: body.address,
      services: {
        voice: { enabled: false, types: [] },
        messaging: { enabled: false, types: [] },
        telecom_data: { enabled: false, types: [] },
      },
      external_ids: {},
      credit_limit: 1500.5,
      current_balance: 0,
      prepaid_balance: 0,
      payment_terms: 45,
      billing_cycle: 'MONTHLY',
      currency: 'USD',
      created_by: '11111111-1111-4111-8111-111111111111',
    });
    expect(new Date(c.created_at).toISOString()).toBe(c.created_at);
    expect(res.headers.get('etag')).toBe(`"1-${c.id}"`);
    // Money goes out as a JSON number straight from NUMERIC text (no float on the way).
    expect(res.text).toContain('"credit_limit":1500.50');
    expect(res.text).toContain('"current_balance":0.00');
  });

  it('stores money exactly: amounts a float would round survive the round trip', async () => {
    const res = await call(api, 'POST', '/v1/customers', { body: newCustomer({ credit_limit: 9999999999.99 }) });
    expect(res.status).toBe(201);
    expect(res.text).toContain('"credit_limit":9999999999.99');
    const row = await t.db.selectFrom('customers').select('credit_limit').where('id', '=', res.body.data.id).executeTakeFirstOrThrow();
    expect(row.credit_limit).toBe('9999999999.99');
  });

  it('GET /v1/customers/:id returns the customer with its ETag; unknown id is 404 NOT_FOUND', async () => {
    const created = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
    const res = await call(api, 'GET', `/v1/customers/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: created });
    expect(res.headers.get('etag')).toBe(`"1-${created.id}"`);

    const missing = await call(api, 'GET', '/v1/customers/7a1d7a43-35f6-4c43-9e4f-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'Customer not found' } });
  });

  it('a malformed id is 400 VALIDATION_FAILED naming `id`', async () => {
    const res = await call(api, 'GET', '/v1/customers/not-a-uuid');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues).toEqual([{ path: 'id', message: 'must be a UUID' }]);
  });

  it('GET /v1/customers/by-ban/:ban finds by BAN (any case); bad format is 400, unknown 404', async () => {
    const created = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
    const res = await call(api, 'GET', `/v1/customers/by-ban/${created.ban.toLowerCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(created.id);
    expect((await call(api, 'GET', '/v1/customers/by-ban/AC-12345')).body.error.details.issues[0].path).toBe('ban');
    expect((await call(api, 'GET', '/v1/customers/by-ban/ZZ-000000000')).status).toBe(404);
  });

  it('trunks and dids are empty arrays for a visible customer and 404 for an unknown one', async () => {
    const created = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
    for (const relation of ['trunks', 'dids']) {
      expect((await call(api, 'GET', `/v1/customers/${created.id}/${relation}`)).body).toEqual({ success: true, data: [] });
      const missing = await call(api, 'GET', `/v1/customers/5d1f3a43-35f6-4c43-9e4f-000000000000/${relation}`);
      expect(missing.status).toBe(404);
    }
  });

  it('serves the same routes at the root of the function URL (no /v1)', async () => {
    const created = (await call(api, 'POST', '/customers', { body: newCustomer() })).body.data;
    expect((await call(api, 'GET', `/customers/${created.id}`)).body.data.id).toBe(created.id);
  });

  it('passes the Gatekeeper resource path of each endpoint to the authenticator', async () => {
    auth.resourcePaths.length = 0;
    await call(api, 'GET', '/v1/customers?page=1');
    await call(api, 'GET', '/v1/customers/by-ban/AC-000000001');
    expect(auth.resourcePaths).toEqual(['/api/v1/customers', '/api/v1/customers/by-ban/AC-000000001']);
  });

  it('unknown paths are 404 and wrong methods 405, both in the envelope', async () => {
    const notFound = await call(api, 'GET', '/v1/nothing');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'No such endpoint' } });
    const wrongMethod = await call(api, 'DELETE', '/v1/customers');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('says nothing about routes to an unauthenticated caller: unknown path, wrong method and real route are all 401', async () => {
    const answers: unknown[][] = [];
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['GET', '/v1/customers/x/y/z'],
      ['DELETE', '/v1/customers'],
      ['PATCH', '/v1/customers/1'],
      ['GET', '/v1/customers'],
      ['GET', '/v1'],
    ] as const) {
      for (const token of [null, 'forged']) {
        const res = await call(api, method, path, { token });
        answers.push([method, path, token, res.status, res.body.error.code, res.headers.get('allow')]);
      }
    }
    expect(
      answers.every(([, , , status, code, allow]) => status === 401 && code === 'UNAUTHORIZED' && allow === null),
      JSON.stringify(answers),
    ).toBe(true);
    // Health checks stay public, whatever the method reveals about them.
    expect((await call(api, 'GET', '/v1/health', { token: null })).status).toBe(200);
  });

  it('requires a token: none or an invalid one is 401 UNAUTHORIZED', async () => {
    const res = await call(api, 'GET', '/v1/customers', { token: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect((await call(api, 'GET', '/v1/customers', { token: 'forged' })).status).toBe(401);
  });

  it('GET /health answers without credentials or database; /ready pings the database', async () => {
    expect((await call(api, 'GET', '/health', { token: null })).body).toEqual({ success: true, data: { status: 'ok' } });
    expect((await call(api, 'GET', '/v1/ready', { token: null })).body).toEqual({ success: true, data: { status: 'ready' } });
  });
});
