import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiError, hubspotClient, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

// A hand-driven clock so "wait 10 seconds" takes no time.
let clock = Date.parse('2025-06-01T12:00:00Z');
let sandbox: RunningSandbox;
const getPage = () => hubspotClient(sandbox).crm.companies.basicApi.getPage(1);

beforeAll(async () => {
  sandbox = await startSandbox({ now: () => clock, rateLimits: { tenSecondLimit: 10, dailyLimit: 15 } });
});
afterAll(async () => sandbox.close());
afterEach(async () => sandbox.control.reset());

describe('ten-second rolling window', () => {
  it('sends rate-limit headers, answers 429 past the burst and recovers once the window rolls', async () => {
    const first = await hubspotClient(sandbox).crm.companies.basicApi.getPageWithHttpInfo(1);
    expect(first.headers).toMatchObject({
      'x-hubspot-ratelimit-max': '10',
      'x-hubspot-ratelimit-remaining': '9',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily': '15',
      'x-hubspot-ratelimit-daily-remaining': '14',
    });
    for (let i = 0; i < 9; i++) await getPage();
    const limited = await apiError(getPage());
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(limited.body.correlationId).toEqual(expect.any(String));
    expect(limited.headers['x-hubspot-ratelimit-remaining']).toBe('0');

    clock += 9_999;
    expect((await apiError(getPage())).code).toBe(429);
    clock += 2;
    await expect(getPage()).resolves.toBeDefined();

    const log = await sandbox.control.requests(10_000);
    expect(log.counters.byStatus).toMatchObject({ '200': 11, '429': 2 });
    expect(log.maxInWindow).toBe(12);
  });

  it('enforces the daily limit with policy DAILY', async () => {
    for (let i = 0; i < 10; i++) await getPage();
    clock += 20_000;
    for (let i = 0; i < 5; i++) await getPage();
    const daily = await apiError(getPage());
    expect(daily.code).toBe(429);
    expect(daily.body.policyName).toBe('DAILY');
    clock += 86_400_000;
    await expect(getPage()).resolves.toBeDefined();
  });
});

describe('fault injection', () => {
  it('injects 429, 423 and 5xx on schedule and leaves data untouched', async () => {
    await sandbox.control.addFault({
      kind: 'status',
      status: 423,
      count: 1,
      method: 'POST',
      pathPrefix: '/crm/v3/objects/companies/batch',
    });
    await sandbox.control.addFault({ kind: 'status', status: 502, skip: 1, count: 1, method: 'GET' });
    await sandbox.control.addFault({ kind: 'status', status: 429, skip: 2, count: 1, method: 'GET' });
    const batch = hubspotClient(sandbox).crm.companies.batchApi;
    const locked = await apiError(batch.upsert({ inputs: [{ id: '1', idProperty: 'hs_object_id', properties: {} }] }));
    expect(locked.code).toBe(423);
    expect(locked.body.category).toBe('LOCKED');

    await expect(getPage()).resolves.toBeDefined();
    expect((await apiError(getPage())).code).toBe(502);
    const limited = await apiError(getPage());
    expect(limited.code).toBe(429);
    expect(limited.body.policyName).toBe('TEN_SECONDLY_ROLLING');
    await expect(getPage()).resolves.toBeDefined();

    const log = await sandbox.control.requests();
    expect(log.requests.filter((r) => r.fault).map((r) => [r.status, r.fault])).toEqual([
      [423, 'status:423'],
      [502, 'status:502'],
      [429, 'status:429'],
    ]);
  });

  it('fires by probability with the injected randomness, and adds latency', async () => {
    await sandbox.control.addFault({ kind: 'status', status: 503, probability: 1 });
    expect((await apiError(getPage())).code).toBe(503);
    await sandbox.control.clearFaults();
    await sandbox.control.addFault({ kind: 'status', status: 500, probability: 0 });
    await sandbox.control.addFault({ kind: 'latency', ms: 150, count: 1 });
    const started = Date.now();
    await getPage();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
