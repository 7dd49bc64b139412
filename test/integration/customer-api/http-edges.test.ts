import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

const PORTAL = 'https://admin.warp.example';

describe('customer API: HTTP edges (OpenAPI document, CORS, bodies, logs, fuzz)', () => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator, corsAllowedOrigins: [PORTAL] });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it('serves the committed OpenAPI document at /openapi.json without credentials, unwrapped', async () => {
    const res = await call(api, 'GET', '/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8')));
    expect(res.body.openapi).toBe('3.1.0');
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      call(api, 'OPTIONS', '/v1/customers/x', {
        token: null,
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization,content-type,if-match',
        },
      });

    it('answers a preflight from a configured origin with the allowed methods and headers', async () => {
      const res = await preflight(PORTAL);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
      expect(res.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, If-Match, Idempotency-Key');
    });

    it('refuses a preflight from another origin with 403 and no allow-origin header', async () => {
      const res = await preflight('https://evil.example');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('tags actual responses for the portal origin and exposes ETag', async () => {
      const res = await call(api, 'GET', '/v1/customers', { headers: { origin: PORTAL } });
      expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
      const other = await call(api, 'GET', '/v1/customers', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('request bodies', () => {
    it.each([
      ['{"company_name": ', 'truncated'],
      ['"just a string"', 'a JSON string'],
      ['{bad json}', 'not JSON'],
    ])('malformed JSON (%s: %s) is 400 INVALID_JSON in the envelope, not the framework page', async (rawBody) => {
      const res = await call(api, 'POST', '/v1/customers', { rawBody, headers: { origin: PORTAL } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toEqual({ success: false, error: { code: 'INVALID_JSON', message: expect.any(String) } });
      expect(res.text).not.toMatch(/at JSON\.parse|node_modules/);
      expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
    });

    it("answers even a fresh instance's FIRST request, when it is malformed JSON, with the envelope", async () => {
      const fresh = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
      try {
        const res = await call(fresh, 'POST', '/v1/customers', { rawBody: '{"company_name": ' });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.body).toEqual({ success: false, error: { code: 'INVALID_JSON', message: expect.any(String) } });
        expect(fresh.lines).toMatchObject([{ method: 'POST', path: '/v1/customers', status: 400, code: 'INVALID_JSON' }]);
      } finally {
        await fresh.close();
      }
    });

    it('without the hook, is installed on the framework app by the first request that reaches the function', async () => {
      const lazy = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator }, { hookFrameworkErrors: false });
      try {
        await call(lazy, 'GET', '/health');
        const res = await call(lazy, 'PUT', '/v1/customers/x', { rawBody: '{oops' });
        expect(res.body.error.code).toBe('INVALID_JSON');
      } finally {
        await lazy.close();
      }
    });

    it('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE', async () => {
      const body = newCustomer({ custom_fields: { blob: 'x'.repeat(1024 * 1024) } });
      const res = await call(api, 'POST', '/v1/customers', { body });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a non-JSON content type is 415, an unsupported charset too, an empty body 400', async () => {
      const text = await call(api, 'POST', '/v1/customers', {
        rawBody: JSON.stringify(newCustomer()),
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const charset = await call(api, 'POST', '/v1/customers', {
        rawBody: '{}',
        headers: { 'content-type': 'application/json; charset=latin1' },
      });
      expect(charset.status).toBe(415);
      const empty = await call(api, 'POST', '/v1/customers', { rawBody: '' });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('INVALID_JSON');
    });

    it('POST names every missing, unknown and read-only field', async () => {
      const res = await call(api, 'POST', '/v1/customers', {
        body: { id: 'x', ban: 'AB-123456789', current_balance: 1, extra: 1, contact: { name: 'n' } },
      });
      expect(res.status).toBe(400);
      const paths = res.body.error.details.issues.map((i: { path: string }) => i.path).sort();
      expect(paths).toEqual(
        ['address', 'ban', 'company_name', 'contact.email', 'contact.phone', 'current_balance', 'customer_type', 'extra', 'id'].sort(),
      );
    });
  });

  describe('request log', () => {
    it('writes one line per request with method, path, status, latency and trace, never the token', async () => {
      api.lines.length = 0;
      await call(api, 'GET', '/v1/customers?search=secret-term', {
        token: 'admin',
        headers: { 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1' },
      });
      await call(api, 'GET', '/v1/customers', { token: 'sensitive-bearer-token-value' });
      expect(api.lines).toHaveLength(2);
      expect(api.lines[0]).toMatchObject({
        severity: 'INFO',
        method: 'GET',
        path: '/v1/customers',
        status: 200,
        latencyMs: expect.any(Number),
        userId: '11111111-1111-4111-8111-111111111111',
        'logging.googleapis.com/trace': '105445aa7843bc8bf206b12000100000',
      });
      expect(api.lines[1]).toMatchObject({ severity: 'WARNING', status: 401, code: 'UNAUTHORIZED' });
      const all = JSON.stringify(api.lines);
      expect(all).not.toContain('sensitive-bearer-token-value');
      expect(all).not.toContain('secret-term');
      expect(all.toLowerCase()).not.toContain('authorization');
    });
  });

  describe('validation fuzz', () => {
    const writes = async (id: string) => {
      const [customers, outbox, row] = await Promise.all([
        t.db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
        t.db
          .selectFrom('hubspot_sync_queue')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow(),
        t.db.selectFrom('customers').select('version').where('id', '=', id).executeTakeFirstOrThrow(),
      ]);
      return `${customers.n}/${outbox.n}/${row.version}`;
    };
    const fieldNames = [
      'company_name',
      'legal_name',
      'status',
      'customer_type',
      'contact',
      'address',
      'services',
      'kyc_data',
      'credit_limit',
      'payment_terms',
      'billing_cycle',
      'external_ids',
      'custom_fields',
      'id',
      'ban',
      'current_balance',
      '__proto__',
    ];
    const wrongish = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.double(), fc.integer(), fc.constant(null));
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.dictionary(fc.constantFrom(...fieldNames), wrongish, { maxKeys: 6 }).map((v) => JSON.stringify(v)),
    );

    it('random bodies to POST and PUT never produce a 5xx, and rejected ones write nothing', async () => {
      const target = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
      let before = await writes(target.id);
      await fc.assert(
        fc.asyncProperty(bodies, fc.constantFrom('POST /v1/customers', `PUT /v1/customers/${target.id}`), async (rawBody, route) => {
          const [method, path] = route.split(' ') as [string, string];
          const res = await call(api, method, path, { rawBody });
          expect(res.status, rawBody).toBeLessThan(500);
          expect(res.body?.success, rawBody).toBe(res.status < 400);
          const after = await writes(target.id);
          if (res.status >= 400) expect(after, rawBody).toBe(before);
          before = after;
        }),
        { numRuns: 300 },
      );
    });
  });
});
