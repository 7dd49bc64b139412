import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../shared/http/json-body.js';
import { chunkedRequest, repeatedChunks } from '../../support/raw-http.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from '../customer-api/support.js';
import { companyEvent, countEvents, hubspotHeaders, useIntakeFixture } from '../webhook/webhook-harness.js';

/** `json` padded with trailing spaces (still the same JSON) to exactly `bytes`. */
function padded(json: string, bytes: number): Buffer {
  const body = Buffer.alloc(bytes, ' ');
  body.write(json);
  return body;
}

function* inChunks(body: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

const FLOOD_BYTES = 64 * 1024 * 1024;
// Loopback socket buffers hold a few MiB: an answer after reading the whole flood would come far later.
const ANSWERED_WITHIN_BYTES = 16 * 1024 * 1024;

describe('a chunked body (no Content-Length) on the customer API', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const countCustomers = async () =>
    Number(
      (
        await t.db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const headers = { 'content-type': 'application/json', authorization: 'Bearer admin' };

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  it('is read in full and accepted at exactly the limit', async () => {
    const customer = newCustomer();
    const body = padded(JSON.stringify(customer), MAX_BODY_BYTES);
    const res = await chunkedRequest(api.url, { path: '/v1/customers', headers, chunks: inChunks(body) });
    expect(res.status).toBe(201);
    expect(res.body.data.company_name).toBe(customer.company_name);
  });

  it('is 413 one byte over the limit, answered before the rest is read, and writes nothing', async () => {
    const before = await countCustomers();
    const over = await chunkedRequest(api.url, {
      path: '/v1/customers',
      headers,
      chunks: inChunks(padded(JSON.stringify(newCustomer()), MAX_BODY_BYTES + 1)),
    });
    expect(over.status).toBe(413);
    expect(over.body).toEqual({
      success: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String), details: { limit: MAX_BODY_BYTES } },
    });

    const rssBefore = process.memoryUsage().rss;
    const flood = await chunkedRequest(api.url, { path: '/v1/customers', headers, chunks: repeatedChunks(FLOOD_BYTES) });
    expect(flood.status).toBe(413);
    expect(flood.bytesSent).toBeLessThan(ANSWERED_WITHIN_BYTES);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 * 1024);
    expect(await countCustomers()).toBe(before);
    expect((await call(api, 'GET', '/health', { token: null })).status).toBe(200);
  });

  it('without a valid token is 401 before any of it is read', async () => {
    const res = await chunkedRequest(api.url, {
      path: '/v1/customers',
      headers: { 'content-type': 'application/json' },
      chunks: repeatedChunks(FLOOD_BYTES),
    });
    expect(res.status).toBe(401);
    expect(res.bytesSent).toBeLessThan(ANSWERED_WITHIN_BYTES);
  });
});

describe('a chunked body (no Content-Length) on the HubSpot webhook', () => {
  const f = useIntakeFixture();

  it('is read in full, its signature checked over every byte, and accepted at exactly the limit', async () => {
    const body = padded(JSON.stringify([companyEvent(), companyEvent()]), MAX_BODY_BYTES);
    const before = await countEvents(f.database.db);
    const res = await chunkedRequest(f.intake.url, { headers: hubspotHeaders(body.toString('utf8')), chunks: inChunks(body) });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ received: 2, stored: 2 });
    expect(await countEvents(f.database.db)).toBe(before + 2);
  });

  it('is 413 one byte over when signed, 401 unread when unsigned, answered before the rest is read, storing nothing', async () => {
    const before = await countEvents(f.database.db);
    const body = padded(JSON.stringify([companyEvent()]), MAX_BODY_BYTES + 1);
    const over = await chunkedRequest(f.intake.url, { headers: hubspotHeaders(body.toString('utf8')), chunks: inChunks(body) });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('PAYLOAD_TOO_LARGE');

    const signedFlood = await chunkedRequest(f.intake.url, { headers: hubspotHeaders('unknowable'), chunks: repeatedChunks(FLOOD_BYTES) });
    expect(signedFlood.status).toBe(413);
    expect(signedFlood.bytesSent).toBeLessThan(ANSWERED_WITHIN_BYTES);
    const unsignedFlood = await chunkedRequest(f.intake.url, {
      headers: { 'content-type': 'application/json' },
      chunks: repeatedChunks(FLOOD_BYTES),
    });
    expect(unsignedFlood.status).toBe(401);
    expect(unsignedFlood.bytesSent).toBeLessThan(ANSWERED_WITHIN_BYTES);
    expect(await countEvents(f.database.db)).toBe(before);
  });
});
