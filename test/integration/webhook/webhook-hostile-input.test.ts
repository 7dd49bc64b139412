import { describe, expect, it } from 'vitest';
import { gzipBomb, rawRequest } from '../../support/raw-http.js';
import { companyEvent, countEvents, deliver, useIntakeFixture } from './webhook-harness.js';

describe('HubSpot webhook: hostile input is a 4xx, never a 500', () => {
  const f = useIntakeFixture();

  it.each([
    ['/%ZZ', {}],
    ['/', { 'content-encoding': 'gzip' }],
    ['/', { 'content-encoding': 'br' }],
  ])('POST %s %j with a garbage body is a 4xx envelope and stores nothing', async (path, headers) => {
    const res = await fetch(f.intake.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: 'garbage',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { success: boolean }).success).toBe(false);
    expect(await countEvents(f.database.db)).toBe(0);
  });

  it('a gzip bomb is 415 UNSUPPORTED_CONTENT_ENCODING, refused before it is inflated', async () => {
    const bomb = await gzipBomb(300 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const startedAt = performance.now();
    const res = await fetch(f.intake.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: unknown }).error).toEqual({
      code: 'UNSUPPORTED_CONTENT_ENCODING',
      message: expect.any(String),
      details: { field: 'content-encoding' },
    });
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
    expect(await countEvents(f.database.db)).toBe(0);
  });

  it('a declared Content-Length over 1 MiB is 413 without the body being read', async () => {
    const res = await rawRequest(f.intake.url, {
      headers: ['content-type', 'application/json', 'content-length', String(1024 * 1024 + 1)],
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['no signature', {}],
    ['a stale v3 timestamp', { 'x-hubspot-signature-v3': 'c2lnbmF0dXJl', 'x-hubspot-request-timestamp': String(Date.now() - 10 * 60_000) }],
  ])('with %s, a body is 401 before a byte of it is read', async (_what, headers) => {
    // 1 MiB declared, none sent: an answer proves the intake did not wait for the body.
    const res = await rawRequest(f.intake.url, {
      headers: ['content-type', 'application/json', 'content-length', String(1024 * 1024), ...Object.entries(headers).flat()],
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('a signed body nesting past 64 levels is 400 JSON_TOO_COMPLEX, never parsed, and stores nothing', async () => {
    const res = await deliver(f.intake, [{ ...companyEvent(), deep: JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown }]);
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'JSON_TOO_COMPLEX', details: { limit: 'maxDepth', max: 64 } } } });
    expect(await countEvents(f.database.db)).toBe(0);
  });

  it.each<[string, Record<string, unknown>]>([
    ['1.propertyValue', { propertyValue: 'a\u0000b' }],
    ['1.propertyValue', { propertyValue: '\udc00' }],
    ['1.sourceId', { sourceId: 'userId:\ud800' }],
    ['1.someFutureField.nested.0', { someFutureField: { nested: ['\u0000'] } }],
    ['1.k\u0000', { 'k\u0000': 1 }],
  ])('a signed delivery with text JSONB cannot store is 400 naming %s, and stores nothing', async (path, overrides) => {
    const res = await deliver(f.intake, [companyEvent(), { ...companyEvent(), ...overrides }]);
    expect(res).toMatchObject({
      status: 400,
      body: { success: false, error: { code: 'VALIDATION_FAILED', details: { issues: [{ path }] } } },
    });
    expect(await countEvents(f.database.db)).toBe(0);
  });
});
