import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipBomb, rawRequest } from '../../support/raw-http.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('customer API: hostile input is a 4xx, never a 500', () => {
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

  it('a gzip bomb is 415 UNSUPPORTED_CONTENT_ENCODING, refused before it is inflated', async () => {
    const bomb = await gzipBomb(300 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const startedAt = performance.now();
    const res = await call(api, 'POST', '/v1/customers', { rawBody: bomb, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(415);
    expect(res.body.error).toEqual({
      code: 'UNSUPPORTED_CONTENT_ENCODING',
      message: expect.any(String),
      details: { field: 'content-encoding' },
    });
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
  });

  it('any Content-Encoding but identity is 415, before authentication', async () => {
    for (const encoding of ['deflate', 'br', 'zstd', 'gzip, identity']) {
      const res = await call(api, 'POST', '/v1/customers', { rawBody: '{}', token: null, headers: { 'content-encoding': encoding } });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_CONTENT_ENCODING');
    }
    const identity = await call(api, 'POST', '/v1/customers', { body: newCustomer(), headers: { 'content-encoding': 'identity' } });
    expect(identity.status).toBe(201);
  });

  it('a declared Content-Length over 1 MiB is 413 without the body being read', async () => {
    const res = await rawRequest(api.url, {
      path: '/v1/customers',
      headers: ['content-type', 'application/json', 'authorization', 'Bearer admin', 'content-length', String(1024 * 1024 + 1)],
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      success: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String), details: { limit: 1024 * 1024 } },
    });
  });

  it('a request without a valid token is 401 before its body is read', async () => {
    for (const auth of [[], ['authorization', 'Bearer nobody']]) {
      const res = await rawRequest(api.url, {
        path: '/v1/customers',
        headers: ['content-type', 'application/json', 'content-length', String(512 * 1024), ...auth],
      });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('a second Authorization header makes the request unauthenticated', async () => {
    const once = await rawRequest(api.url, { method: 'GET', path: '/v1/customers', headers: ['authorization', 'Bearer admin'] });
    expect(once.status).toBe(200);
    const twice = await rawRequest(api.url, {
      method: 'GET',
      path: '/v1/customers',
      headers: ['authorization', 'Bearer admin', 'authorization', 'Bearer admin'],
    });
    expect(twice.status).toBe(401);
    expect(twice.body).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });

  it('a truncated gzip body is a 4xx in the envelope', async () => {
    const rawBody = gzipSync(JSON.stringify({ company_name: 'x'.repeat(1000) })).subarray(0, 20);
    const res = await call(api, 'POST', '/v1/customers', { rawBody, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  const countCustomers = async () =>
    Number(
      (
        await t.db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

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

  const nest = (depth: number): Record<string, unknown> => (depth === 1 ? { leaf: 1 } : { a: nest(depth - 1) });

  it.each([
    ['custom_fields.__proto__', { custom_fields: JSON.parse('{"__proto__": {"isAdmin": true}}') }],
    ['kyc_data.docs.0.constructor', { kyc_data: { docs: [{ constructor: { prototype: 1 } }] } }],
    ['business_info.a.prototype', { business_info: { a: { prototype: 1 } } }],
    ['external_ids.__proto__', { external_ids: JSON.parse('{"__proto__": "x"}') }],
    ['custom_fields', { custom_fields: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i])) }],
    ['kyc_data', { kyc_data: nest(17) }],
  ])('a free-form object refused inside is 400 naming %s, and writes nothing', async (field, overrides) => {
    const before = await countCustomers();
    const res = await call(api, 'POST', '/v1/customers', { body: newCustomer(overrides) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].path).toMatch(new RegExp(`^${field.replace(/[.]/g, '\\.')}`));
    expect(await countCustomers()).toBe(before);
  });

  it.each([
    ['nests past 64 levels', { custom_fields: nest(3000) }, 'maxDepth'],
    ['holds over 20,000 values', { custom_fields: { list: Array.from({ length: 20_001 }, () => []) } }, 'maxValues'],
  ])('a body that %s is refused before it is parsed: 400 JSON_TOO_COMPLEX, nothing written', async (_what, overrides, limit) => {
    const before = await countCustomers();
    const res = await call(api, 'POST', '/v1/customers', { body: newCustomer(overrides) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'JSON_TOO_COMPLEX', details: { limit } });
    expect(await countCustomers()).toBe(before);
  });

  it.each([
    ['kyc_data.docs.0.number', 'POST', { kyc_data: { docs: [{ number: 'x\u0000' }] } }],
    ['business_info.owner.name', 'POST', { business_info: { owner: { name: '\udc00' } } }],
    ['custom_fields.a.k\u0000', 'POST', { custom_fields: { a: { 'k\u0000': 1 } } }],
    ['custom_fields.a.\ud800', 'PUT', { custom_fields: { a: { '\ud800': 1 } } }],
    ['external_ids.erp', 'PUT', { external_ids: { erp: '\ud800' } }],
  ])('NUL or a lone surrogate deep inside a free-form object is 400 naming %s on %s, and writes nothing', async (path, method, fields) => {
    const existing = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
    const before = await countCustomers();
    const res =
      method === 'POST'
        ? await call(api, 'POST', '/v1/customers', { body: newCustomer(fields) })
        : await call(api, 'PUT', `/v1/customers/${existing.id}`, { body: fields });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].path).toBe(path);
    expect(await countCustomers()).toBe(before);
    expect((await call(api, 'GET', `/v1/customers/${existing.id}`)).body.data.version).toBe(1);
  });

  it('free-form objects up to the limits are stored', async () => {
    const res = await call(api, 'POST', '/v1/customers', {
      body: newCustomer({ kyc_data: nest(16), custom_fields: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i])) }),
    });
    expect(res.status).toBe(201);
  });

  it('a NUL in ?search= is 400, not a database error', async () => {
    const res = await call(api, 'GET', '/v1/customers?search=%00');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
