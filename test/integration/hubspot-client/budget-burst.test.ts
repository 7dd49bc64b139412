import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import { createDb } from '../../../shared/db/database.js';
import { createHubspotClient } from '../../../shared/hubspot/client/hubspot-client.js';
import { RATE_BUDGET_DEFAULTS } from '../../../shared/hubspot/client/rate-budget.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { REAL_WINDOW_MS, startFastSandbox } from './fast-sandbox.js';
import { maxInAnyWindow } from './window.js';

/**
 * The budget's defaults against HubSpot's Free/Starter limit (100 per rolling 10 s) on the fast
 * sandbox. The guard stays in real time: it covers the real delay between a reservation and the
 * call's arrival, whatever the window's length.
 */
const HUBSPOT_LIMIT = RATE_BUDGET_DEFAULTS.maxPerWindow;

let t: TestDatabase;
let sandbox: RunningSandbox;

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startFastSandbox(HUBSPOT_LIMIT);
});
afterAll(async () => {
  await sandbox?.close();
  await t?.destroy();
});

describe('a burst through the shared budget at its default settings', () => {
  it('eight instances spending the whole limit get no 429 from the sandbox', async () => {
    const [companyId] = await sandbox.control.seed([{ name: 'Burst target' }]);
    await sandbox.control.clearRequests();
    const config = { basePath: sandbox.url, budget: { key: 'burst', windowMs: REAL_WINDOW_MS }, retry: {} };
    const pools = Array.from({ length: 8 }, () => createDb({ connectionString: t.url, maxConnections: 2 }));
    const callsPerInstance = 40;
    const started = Date.now();
    try {
      await Promise.all(
        pools.map(async (db) => {
          const { companies } = createHubspotClient(config, { db, logger: createMemoryLogger().logger, accessToken: sandbox.token });
          // Two overlapping invocations per instance.
          await Promise.all(
            [0, 1].map(async () => {
              for (let i = 0; i < callsPerInstance / 2; i++) await companies.getCompany(companyId!, ['name']);
            }),
          );
        }),
      );
    } finally {
      await Promise.all(pools.map((db) => db.destroy()));
    }
    const elapsed = Date.now() - started;

    const api = (await sandbox.control.requests(10_000)).requests.filter((r) => r.path.startsWith('/crm/'));
    expect(api).toHaveLength(8 * callsPerInstance);
    expect(api.filter((r) => r.status === 429)).toHaveLength(0);
    // Sandbox time: its own 10-second window.
    expect(
      maxInAnyWindow(
        api.map((r) => r.at),
        RATE_BUDGET_DEFAULTS.windowMs,
      ),
    ).toBeLessThanOrEqual(HUBSPOT_LIMIT);
    // 320 calls at 100 per (window + guard): the first 100 at once, then three more windows; the
    // guard is the only slack, so it does not take much longer.
    const budgetWindowMs = REAL_WINDOW_MS + RATE_BUDGET_DEFAULTS.guardMs;
    expect(elapsed).toBeGreaterThanOrEqual(3 * budgetWindowMs - 50);
    expect(elapsed).toBeLessThan(5 * budgetWindowMs);
  });
});
