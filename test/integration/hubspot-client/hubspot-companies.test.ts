import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import { createDb } from '../../../shared/db/database.js';
import { HubspotDailyLimitError, HubspotValidationError } from '../../../shared/hubspot/client/errors.js';
import type { HubspotClientConfig } from '../../../shared/hubspot/client/config.js';
import { createCallCounter, createHubspotClient } from '../../../shared/hubspot/client/hubspot-client.js';
import type { HubspotCallEvent } from '../../../shared/hubspot/client/retry-policy.js';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { waitFor } from '../../support/wait-for.js';
import { REAL_WINDOW_MS, startFastSandbox } from './fast-sandbox.js';
import { maxInAnyWindow } from './window.js';

/**
 * The budget spends the fast sandbox's whole limit: its guard (real time, like the delay from
 * reservation to arrival it covers) is the margin.
 */
const SANDBOX_LIMIT = 20;

let t: TestDatabase;
let sandbox: RunningSandbox;

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startFastSandbox(SANDBOX_LIMIT);
  await sandbox.control.configure({ tenSecondLimit: 1_000 });
  await ensureCompanyProperties(new Client({ accessToken: sandbox.token, basePath: sandbox.url }), createMemoryLogger().logger);
  await sandbox.control.configure({ tenSecondLimit: SANDBOX_LIMIT });
  // The set-up's calls bypass the budget but count in the sandbox's window: let them age out.
  await sleep(REAL_WINDOW_MS);
});
afterAll(async () => {
  await sandbox.close();
  await t.destroy();
});

/** Tests share one budget, like every function of one HubSpot app; each uses its own BANs. */
function config(overrides: Partial<HubspotClientConfig['budget']> = {}): HubspotClientConfig {
  return {
    basePath: sandbox.url,
    budget: { key: 'sandbox-app', maxPerWindow: SANDBOX_LIMIT, windowMs: REAL_WINDOW_MS, ...overrides },
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  };
}

function client(cfg = config(), db = t.db) {
  const counter = createCallCounter();
  const events: HubspotCallEvent[] = [];
  const { logger, lines } = createMemoryLogger();
  const hubspot = createHubspotClient(cfg, {
    db,
    logger,
    accessToken: sandbox.token,
    onCall: (e) => {
      counter.onCall(e);
      events.push(e);
    },
  });
  return { ...hubspot, counter, events, lines };
}

const bans = (n: number, prefix = 'B') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('HubspotCompanies over @hubspot/api-client against the sandbox', () => {
  it('batch reads with history in chunks of 50 and reports missing ids', async () => {
    const { companies, counter } = client();
    const upserted = await companies.batchUpsertByUniqueProperty(
      bans(60).map((idValue) => ({ idValue, properties: { name: `Co ${idValue}` } })),
      'warp_ban',
    );
    const ids = upserted.map((o) => (o.status === 'INVALID' ? '' : o.record.id));
    await companies.batchUpdate([{ id: ids[0]!, properties: { name: 'Renamed' } }]);
    counter.byOperation['batch.read'] = 0;

    const read = await companies.batchReadWithHistory([...ids, '999999999'], ['name', 'warp_ban']);
    expect(counter.byOperation['batch.read']).toBe(2);
    expect(read.results).toHaveLength(60);
    expect(read.missing).toEqual(['999999999']);
    const first = read.results.find((r) => r.id === ids[0])!;
    expect(first.properties.name).toBe('Renamed');
    expect(first.propertiesWithHistory?.name?.map((v) => v.value)).toEqual(['Renamed', 'Co B0']);
    expect(first.propertiesWithHistory?.name?.[0]).toMatchObject({ sourceType: 'INTEGRATION' });
    expect(first.propertiesWithHistory!.name![0]!.timestamp.getTime()).not.toBeNaN();
    expect(first.archived).toBe(false);
  });

  it('upserts by a unique property without ever duplicating, even when two instances race', async () => {
    const a = client();
    const b = client();
    const first = await a.companies.batchUpsertByUniqueProperty([{ idValue: 'RACE-1', properties: { name: 'First' } }], 'warp_ban');
    expect(first[0]?.status).toBe('CREATED');
    const again = await a.companies.batchUpsertByUniqueProperty([{ idValue: 'RACE-1', properties: { name: 'Again' } }], 'warp_ban');
    expect(again[0]?.status).toBe('UPDATED');

    const inputs = bans(10, 'R').map((idValue) => ({ idValue, properties: { name: idValue } }));
    await Promise.all([
      a.companies.batchUpsertByUniqueProperty(inputs, 'warp_ban'),
      b.companies.batchUpsertByUniqueProperty(inputs, 'warp_ban'),
    ]);
    const read = await a.companies.batchReadByIdProperty([...bans(10, 'R'), 'RACE-1', 'NOPE'], 'warp_ban', ['name']);
    expect(read.results).toHaveLength(11);
    expect(new Set(read.results.map((r) => r.id)).size).toBe(11);
    expect(read.missing).toEqual(['NOPE']);
    expect((await a.companies.getCompany(first[0]!.status === 'INVALID' ? '' : first[0]!.record.id, ['name']))?.properties.name).toBe(
      'Again',
    );
  });

  it('batch update writes the valid inputs, reports the invalid one with its property, and unknown ids as NOT_FOUND', async () => {
    const { companies, counter } = client();
    const created = await companies.batchUpsertByUniqueProperty(
      bans(4, 'U').map((idValue) => ({ idValue, properties: { name: idValue } })),
      'warp_ban',
    );
    const ids = created.map((o) => (o.status === 'INVALID' ? '' : o.record.id));
    const before = counter.byOperation['batch.update'] ?? 0;
    const outcomes = await companies.batchUpdate([
      { id: ids[0]!, properties: { warp_status: 'ACTIVE' } },
      { id: ids[1]!, properties: { warp_status: 'NOPE' } },
      { id: ids[2]!, properties: { warp_status: 'SUSPENDED', warp_legal_name: null } },
      { id: '987654321', properties: { name: 'ghost' } },
    ]);
    const explain = JSON.stringify(
      outcomes.map((o) => (o.status === 'INVALID' ? { ...o, details: o.error.details, message: o.error.message } : o)),
    );
    expect(
      outcomes.map((o) => o.status),
      explain,
    ).toEqual(['UPDATED', 'INVALID', 'UPDATED', 'NOT_FOUND']);
    const invalid = outcomes[1] as { error: HubspotValidationError };
    expect(invalid.error).toBeInstanceOf(HubspotValidationError);
    expect(invalid.error.propertyNames).toEqual(['warp_status']);
    expect(invalid.error.retryable).toBe(false);
    // One rejected call, then one call with the valid inputs.
    expect((counter.byOperation['batch.update'] ?? 0) - before).toBe(2);
    const check = await companies.batchReadWithHistory(ids.slice(0, 3), ['warp_status']);
    expect(Object.fromEntries(check.results.map((r) => [r.id, r.properties.warp_status]))).toEqual({
      [ids[0]!]: 'ACTIVE',
      [ids[1]!]: null,
      [ids[2]!]: 'SUSPENDED',
    });
  });

  it('getCompany answers null for an unknown id', async () => {
    const { companies } = client();
    expect(await companies.getCompany('123456789', ['name'])).toBeNull();
  });

  it('searches modified companies page by page past any offset cap', async () => {
    const { companies } = client();
    const created = await companies.batchUpsertByUniqueProperty(
      bans(7, 'S').map((idValue) => ({ idValue, properties: { name: idValue } })),
      'warp_ban',
    );
    // Earlier tests' companies are older: only these 7 were modified since the first of them.
    const since = new Date(Math.min(...created.map((o) => (o.status === 'INVALID' ? Infinity : Date.parse(o.record.updatedAt)))));
    const request = { properties: ['warp_ban'], pageSize: 3, modifiedSince: since };
    const seen: string[] = [];
    let page = await companies.searchCompanies(request);
    seen.push(...page.results.map((r) => r.properties.warp_ban ?? ''));
    while (page.next) {
      page = await companies.searchCompanies(request, page.next);
      seen.push(...page.results.map((r) => r.properties.warp_ban ?? ''));
    }
    expect(seen.sort()).toEqual(bans(7, 'S').sort());
  });

  it('searches a window of modification times, with no empty page after a full last one', async () => {
    const { companies } = client();
    const upsert = (prefix: string, count: number) =>
      companies.batchUpsertByUniqueProperty(
        bans(count, prefix).map((idValue) => ({ idValue, properties: { name: idValue } })),
        'warp_ban',
      );
    const times = (outcomes: Awaited<ReturnType<typeof upsert>>) =>
      outcomes.map((o) => (o.status === 'INVALID' ? Number.NaN : Date.parse(o.record.updatedAt)));
    const inside = times(await upsert('W', 6));
    const until = new Date(Math.max(...inside) + 1);
    // Modified after the window (by the sandbox's clock): written again until they are.
    await waitFor(async () => times(await upsert('L', 2)).every((t) => t >= until.getTime()), 'writes after the window');
    const request = { properties: ['warp_ban'], pageSize: 3, modifiedSince: new Date(Math.min(...inside)), modifiedBefore: until };
    const pages = [await companies.searchCompanies(request)];
    while (pages.at(-1)!.next) pages.push(await companies.searchCompanies(request, pages.at(-1)!.next));
    expect(pages.map((p) => p.results.length)).toEqual([3, 3]);
    expect(pages.flatMap((p) => p.results.map((r) => r.properties.warp_ban)).sort()).toEqual(bans(6, 'W').sort());
  });

  it('four instances on their own connections never push the sandbox past its 10-second limit', async () => {
    const seeded = await sandbox.control.seed(bans(8, 'P').map((b) => ({ name: b, warp_ban: b })));
    await sandbox.control.clearRequests();
    const cfg = config();
    const pools = Array.from({ length: 4 }, () => createDb({ connectionString: t.url, maxConnections: 2 }));
    const instances = pools.map((db) => client(cfg, db));
    const started = Date.now();
    const read = await Promise.all(
      instances.map(async ({ companies }) => {
        let found = 0;
        for (const id of seeded) if (await companies.getCompany(id, ['name'])) found++;
        return found;
      }),
    );
    const elapsed = Date.now() - started;
    await Promise.all(pools.map((db) => db.destroy()));
    expect(read).toEqual([8, 8, 8, 8]);

    const log = await sandbox.control.requests(10_000);
    const api = log.requests.filter((r) => r.path.startsWith('/crm/'));
    expect(api).toHaveLength(32);
    expect(api.filter((r) => r.status === 429)).toHaveLength(0);
    expect(
      maxInAnyWindow(
        api.map((r) => r.at),
        10_000,
      ),
    ).toBeLessThanOrEqual(SANDBOX_LIMIT);
    // 32 calls at 20 per window (+ guard) take at least one full window; progress means not much more than two.
    expect(elapsed).toBeGreaterThanOrEqual(REAL_WINDOW_MS - 50);
    expect(elapsed).toBeLessThan(4 * REAL_WINDOW_MS);
  });

  it("stores HubSpot's daily figures from a successful answer's headers for the sync status", async () => {
    const a = client(config({ key: 'daily-usage-app' }));
    await sandbox.control.configure({ dailyLimit: 1_000_000 });
    try {
      const [created] = await a.companies.batchUpsertByUniqueProperty([{ idValue: 'DAILY-1', properties: { name: 'Daily' } }], 'warp_ban');
      expect(created?.status).not.toBe('INVALID');
      const row = await waitFor(
        () =>
          t.db
            .selectFrom('hubspot_rate_budget')
            .selectAll()
            .where('bucket', '=', 'daily-usage-app:api')
            .where('daily_limit', 'is not', null)
            .executeTakeFirst(),
        'the daily figures to be stored',
      );
      expect(row).toMatchObject({ daily_limit: 1_000_000, daily_observed_at: expect.any(Date) });
      expect(row.daily_remaining).toBeLessThan(1_000_000);
    } finally {
      await sandbox.control.configure({ dailyLimit: null });
    }
  });

  it('parks every instance on 429 DAILY: the second instance does not even call', async () => {
    const a = client(config({ key: 'daily-app' }));
    const b = client(config({ key: 'daily-app' }));
    await sandbox.control.configure({ dailyLimit: 1 });
    try {
      const err = await a.companies.getCompany('1', ['name']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HubspotDailyLimitError);
      expect(a.lines.some((l) => l.severity === 'CRITICAL')).toBe(true);
      await expect(b.companies.getCompany('1', ['name'])).rejects.toBeInstanceOf(HubspotDailyLimitError);
      expect(a.events).toHaveLength(1);
      expect(b.events).toHaveLength(0);
    } finally {
      await sandbox.control.configure({ dailyLimit: null });
    }
  });

  it('rides out a 429 storm and 5xx answers injected by the sandbox', async () => {
    const { companies, events, budget } = client(config({ key: 'storm', windowMs: 300, guardMs: 0 }));
    await sandbox.control.addFault({ kind: 'status', status: 429, count: 3, pathPrefix: '/crm/v3/objects/companies/batch/upsert' });
    await sandbox.control.addFault({ kind: 'status', status: 503, count: 2, pathPrefix: '/crm/v3/objects/companies/batch/read' });
    const started = Date.now();
    const upserted = await companies.batchUpsertByUniqueProperty([{ idValue: 'STORM', properties: { name: 'Storm' } }], 'warp_ban');
    expect(upserted[0]?.status).toBe('CREATED');
    // Three shared pauses of one (300 ms) window each.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300 - 30);
    const read = await companies.batchReadByIdProperty(['STORM'], 'warp_ban', ['name']);
    expect(read.results[0]?.properties.name).toBe('Storm');
    expect(events.map((e) => e.outcome)).toEqual([429, 429, 429, 'ok', 503, 503, 'ok']);
    expect(budget.windows.api.windowMs).toBe(300);
  });
});
