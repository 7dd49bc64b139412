import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('customer API: hostile input is a 4xx, never a 500 (issue 16)', () => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it.each(['/%ZZ', '/v1/customers/%', '/%ff%fe', '/v1/customers/%E0%A4%A'])(
    'malformed percent-encoding in %s is 400 INVALID_PATH, with or without a token',
    async (path) => {
      for (const token of [null, 'admin']) {
        const res = await call(api, 'GET', path, { token });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ success: false, error: { code: 'INVALID_PATH', message: expect.any(String) } });
      }
    },
  );

  it.each(['gzip', 'deflate', 'br'])('a corrupt %s body is a 4xx in the envelope', async (encoding) => {
    const res = await call(api, 'POST', '/v1/customers', { rawBody: 'garbage', headers: { 'content-encoding': encoding } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.success).toBe(false);
  });

  it('a truncated gzip body is a 4xx in the envelope', async () => {
    const rawBody = gzipSync(JSON.stringify({ company_name: 'x'.repeat(1000) })).subarray(0, 20);
    const res = await call(api, 'POST', '/v1/customers', { rawBody, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  const countCustomers = async () =>
    Number((await t.db.selectFrom('customers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it.each([
    ['company_name', { company_name: 'x\u0000y' }],
    ['company_name', { company_name: '\ud800x' }],
    ['contact.name', { contact: { name: '\ud800', email: 'a@b.example', phone: '+1 555 0100' } }],
    ['custom_fields', { custom_fields: { 'k\u0000': 1 } }],
    ['external_ids.erp', { external_ids: { erp: 'a\u0000' } }],
  ])('POST with NUL or a lone surrogate in %s is 400 naming the field, and writes nothing', async (field, overrides) => {
    const before = await countCustomers();
    const res = await call(api, 'POST', '/v1/customers', { body: newCustomer(overrides) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.error.details)).toContain(field.split('.')[0]);
    expect(await countCustomers()).toBe(before);
  });

  it('a NUL in ?search= is 400, not a database error', async () => {
    const res = await call(api, 'GET', '/v1/customers?search=%00');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
