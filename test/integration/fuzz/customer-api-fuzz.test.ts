import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from '../customer-api/support.js';
import {
  contentTypeHeader,
  expectHandled,
  FUZZ_SEED,
  hostileBody,
  hostileMethod,
  hostileQuery,
  hostileSegment,
  rowCounts,
  sendExact,
} from './fuzz-support.js';

const RUNS = 3000;
const PER_REQUEST_MS = 5000;

const FIELD_PATHS = [
  ['company_name'],
  ['legal_name'],
  ['status'],
  ['customer_type'],
  ['billing_cycle'],
  ['payment_terms'],
  ['credit_limit'],
  ['contact'],
  ['contact', 'name'],
  ['contact', 'email'],
  ['contact', 'phone'],
  ['address'],
  ['address', 'city'],
  ['address', 'country'],
  ['external_ids'],
  ['external_ids', 'erp'],
  ['external_ids', 'hubspot_company_id'],
  ['kyc_data', 'docs'],
  ['business_info', 'owner', 'name'],
  ['custom_fields'],
  ['custom_fields', 'k'],
  ['id'],
  ['ban'],
  ['current_balance'],
  ['unknown_field'],
] as const;

describe('customer API under fuzzed requests', () => {
  let t: TestDatabase;
  let api: RunningApi;
  let existing: { id: string; ban: string; etag: string };

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
    const created = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
    const read = await call(api, 'GET', `/v1/customers/${created.id}`);
    existing = { id: created.id, ban: created.ban, etag: read.headers.get('etag') ?? '' };
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it(`never answers 5xx, answers every 4xx in the envelope, and writes nothing on a 4xx (${RUNS} seeded requests)`, async () => {
    const path = fc
      .tuple(
        fc.constantFrom('', '/v1'),
        fc.oneof(
          fc.constant('/customers'),
          fc.constant('/customers/'),
          fc.oneof(fc.constant(existing.id), fc.uuid(), hostileSegment).map((id) => `/customers/${id}`),
          fc.oneof(fc.constant(existing.ban), hostileSegment).map((ban) => `/customers/by-ban/${ban}`),
          fc.constantFrom('trunks', 'dids', '', '%ZZ').map((sub) => `/customers/${existing.id}/${sub}`),
          fc.constantFrom('/health', '/ready', '/'),
          fc.array(hostileSegment, { minLength: 1, maxLength: 3 }).map((segments) => `/${segments.join('/')}`),
        ),
        hostileQuery,
      )
      .map(([prefix, route, query]) => `${prefix}${route}${query}`);
    const authorization = fc.constantFrom<string[]>(
      ['authorization', 'Bearer admin'],
      ['authorization', 'Bearer admin'],
      ['authorization', 'Bearer scoped'],
      ['authorization', 'Bearer nobody'],
      ['authorization', 'Basic YWRtaW46YWRtaW4='],
      ['authorization', 'Bearer admin', 'authorization', 'Bearer admin'],
      [],
    );
    // A key of its own per request, one reused across requests (422 on a different body), one too long.
    const idempotencyKey = fc.option(fc.oneof(fc.uuid(), fc.constantFrom('fuzz-reused-key', 'k'.repeat(300))), { nil: undefined });
    const extraHeaders = fc.subarray([
      ['if-match', existing.etag],
      ['if-match', '"stale"'],
      ['if-match', '*'],
      ['origin', 'https://evil.example'],
      ['content-encoding', 'identity'],
      ['content-encoding', 'gzip'],
      ['access-control-request-method', 'PUT'],
    ]);
    const request = fc.record({
      method: hostileMethod,
      path,
      headers: fc
        .tuple(authorization, contentTypeHeader, extraHeaders, idempotencyKey)
        .map(([auth, type, extra, key]) => [...auth, ...type, ...extra.flat(), ...(key === undefined ? [] : ['idempotency-key', key])]),
      body: fc.option(hostileBody(newCustomer(), FIELD_PATHS), { nil: undefined, freq: 4 }),
    });

    let slowest = 0;
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers, body }) => {
        const before = await rowCounts(t.db);
        const startedAt = performance.now();
        const res = await sendExact(api.url, { method, path, headers, body });
        slowest = Math.max(slowest, performance.now() - startedAt);
        const described = `${method} ${path} ${JSON.stringify(headers)} ${JSON.stringify(body?.slice(0, 200))}`;
        expectHandled(res, method, described);
        if (res.status >= 400) expect(await rowCounts(t.db), described).toEqual(before);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS, endOnFailure: true },
    );
    expect(slowest).toBeLessThan(PER_REQUEST_MS);
  }, 60_000);
});
