/**
 * Outbound sync cost and speed against the HubSpot sandbox (Free/Starter limit: 100 calls per
 * rolling 10 s) with embedded PostgreSQL and the real worker (claim, batch, plan, write, apply).
 * Messages are handed to the worker in-process by K concurrent "instances" instead of through
 * the Pub/Sub emulator: delivery is not what is measured here (the integration tests cover it).
 * - single: one change at a time, each synced before the next: HubSpot calls per change.
 * - burst: N changed customers at once, each synced before: calls per change, and throughput as a
 *   fraction of what the rate limit allows (calls made per second / calls allowed per second).
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@hubspot/api-client';
import { startSandbox } from '../../dev/hubspot-sandbox/sandbox.js';
import { loadFieldSyncConfig } from '../../shared/config/field-sync-config.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { handleOutboxMessage, type FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import { budgetWaitForLease } from '../../shared/outbound-sync/sync-deadline.js';
import { createHubspotClient, RATE_BUDGET_DEFAULTS } from '../../shared/hubspot/client/index.js';
import { ensureCompanyProperties } from '../../shared/hubspot/ensure-properties.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { OutboxMessage } from '../../shared/outbox/outbox-message.js';
import { benchDatabase, percentile, stopAll, type Stops } from './bench-support.js';
import { customerRow, insertCustomers, updateCustomersWithOutbox } from '../support/customer-factory.js';

export interface SyncThroughputOptions {
  burst?: number;
  singles?: number;
  instances?: number;
  /** The sandbox's limit per 10 s (HubSpot Free/Starter: 100). The worker and budget run on production defaults. */
  tenSecondLimit?: number;
}

const silent = createLogger({ level: 'CRITICAL', sink: () => undefined });

/** Customer i (from 1) linked to companyIds[i - 1], whose warp_ban is the customer's BAN. */
async function insertLinkedCustomers(db: Db, companyIds: readonly string[]): Promise<void> {
  const rows = companyIds.map((companyId, i) =>
    customerRow(i + 1, { prefix: 'BN', company_name: `Bench Co ${i + 1}`, hubspot_company_id: companyId, hubspot_link_status: 'LINKED' }),
  );
  for (let i = 0; i < rows.length; i += 1000) await insertCustomers(db, rows.slice(i, i + 1000));
}

async function pendingMessages(db: Db): Promise<OutboxMessage[]> {
  const rows = await db.selectFrom('hubspot_sync_queue').selectAll().where('status', '=', 'PENDING').orderBy('id').execute();
  return rows.map((r) => ({
    outboxId: r.id,
    customerId: r.customer_id,
    operation: r.operation,
    origin: r.origin,
    changedAt: r.changed_at.toISOString(),
  }));
}

/** K instances pull messages off a shared queue, like Pub/Sub spreading them over function instances. */
async function drain(deps: (n: number) => FieldSyncDeps, messages: OutboxMessage[], instances: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: instances }, async (_, n) => {
      const d = deps(n);
      while (next < messages.length) {
        const message = messages[next++]!;
        for (;;) {
          try {
            await handleOutboxMessage(d, message);
            break;
          } catch {
            await sleep(500); // a nack: redelivered after a backoff
          }
        }
      }
    }),
  );
}

export async function benchSyncThroughput(options: SyncThroughputOptions = {}) {
  const burst = options.burst ?? 10_000;
  const singles = options.singles ?? 20;
  const instances = options.instances ?? 8;
  const tenSecondLimit = options.tenSecondLimit ?? 100;

  const stops: Stops = [];
  try {
    const url = await benchDatabase(stops, 'sync');
    const db = createDb({ connectionString: url, maxConnections: instances * 3 });
    stops.push(() => db.destroy());
    const sandbox = await startSandbox({ port: 0, rateLimits: { tenSecondLimit, dailyLimit: 1_000_000 } });
    stops.push(() => sandbox.close());
    await ensureCompanyProperties(new Client({ accessToken: sandbox.token, basePath: sandbox.url }), silent);
    // The set-up's calls bypass the budget (as `hubspot:setup` does at deploy) but count in the
    // sandbox's window: the measured phases start once they have left it.
    const setUpCallsLeave = Date.now() + 10_000;
    const total = burst + singles;
    const companyIds: string[] = [];
    for (let i = 0; i < total; i += 1000) {
      const size = Math.min(1000, total - i);
      companyIds.push(
        ...(await sandbox.control.seed(Array.from({ length: size }, (_, k) => ({ warp_ban: `BN-${String(i + k + 1).padStart(9, '0')}` })))),
      );
    }
    await insertLinkedCustomers(db, companyIds);

    // The worker as functions/field-sync builds it: the same env schema and defaults, only the
    // sandbox's address (and the database's) set.
    const config = await loadFieldSyncConfig(
      { DATABASE_URL: url, HUBSPOT_ACCESS_TOKEN: sandbox.token, HUBSPOT_BASE_PATH: sandbox.url, HUBSPOT_BUDGET_KEY: 'bench' },
      noSecretManager,
    );
    const hubspotConfig = config.hubspot.client;
    hubspotConfig.budget.maxWaitMs = budgetWaitForLease(
      config.fieldSync.claimLeaseMs,
      hubspotConfig.budget.maxWaitMs ?? RATE_BUDGET_DEFAULTS.maxWaitMs,
    );
    const grants: number[] = [];
    const hubspot = createHubspotClient(hubspotConfig, {
      db,
      logger: silent,
      accessToken: sandbox.token,
      onGrant: ({ kind }) => {
        if (kind === 'api') grants.push(Date.now());
      },
    });
    const deps = (n: number): FieldSyncDeps => ({
      db,
      companies: hubspot.companies,
      log: silent,
      options: {
        workerId: `bench-${n}`,
        maxCustomers: config.fieldSync.batchCustomers,
        leaseMs: config.fieldSync.claimLeaseMs,
        retryDelayMs: config.fieldSync.retryDelayMs,
      },
    });
    const ids = (await db.selectFrom('customers').select('id').orderBy('ban').execute()).map((r) => r.id);
    const change = (customerIds: readonly string[], tag: string) =>
      db.transaction().execute((tx) => updateCustomersWithOutbox(tx, customerIds, tag));

    await sleep(Math.max(0, setUpCallsLeave - Date.now()));
    // Single changes: the first sync of each (no base yet) then a second change to it.
    await sandbox.control.clearRequests();
    const singleIds = ids.slice(burst);
    for (const id of singleIds) {
      await change([id], 'single');
      await drain(deps, await pendingMessages(db), 1);
    }
    const singleCalls = (await sandbox.control.requests()).counters.total;

    // Burst: the other customers, synced once beforehand (untimed) so that each has a base, as a
    // customer at rest has: a first sync's history reads are what `single` measures.
    const burstIds = ids.slice(0, burst);
    for (let i = 0; i < burstIds.length; i += 5000) await change(burstIds.slice(i, i + 5000), 'first');
    await drain(deps, await pendingMessages(db), instances);
    // The first syncs' calls leave the shared budget's window before the timed burst.
    await sleep(Math.max(0, (grants.at(-1) ?? 0) + hubspot.budget.windows.api.windowMs - Date.now()));
    await sandbox.control.clearRequests();
    grants.length = 0;
    for (let i = 0; i < burstIds.length; i += 5000) await change(burstIds.slice(i, i + 5000), 'burst');
    const messages = await pendingMessages(db);
    const started = performance.now();
    await drain(deps, messages, instances);
    const seconds = (performance.now() - started) / 1000;
    const view = await sandbox.control.requests(10_000);
    const burstCalls = view.counters.total;
    const allowedPerSecond = tenSecondLimit / 10;
    const left = await db
      .selectFrom('hubspot_sync_queue')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '!=', 'DONE')
      .executeTakeFirstOrThrow();

    return {
      setup: {
        sandboxTenSecondLimit: tenSecondLimit,
        sharedBudget: hubspot.budget.windows.api,
        instances,
        maxCustomersPerBatch: config.fieldSync.batchCustomers,
        loadAverage1m: round(os.loadavg()[0] ?? 0),
      },
      single: { changes: singles, hubspotCalls: singleCalls, callsPerChange: round(singleCalls / singles) },
      burst: {
        changedCustomers: burst,
        hubspotCalls: burstCalls,
        callsPerChange: round(burstCalls / burst),
        targetCallsPerChange: 0.021,
        byRoute: view.counters.byRoute,
        byStatus: view.counters.byStatus,
        seconds: round(seconds),
        changesPerSecond: round(burst / seconds),
        maxCallsIn10s: view.maxInWindow,
        grantToArrivalMs: grantToArrival(
          grants,
          view.requests.filter((r) => r.path.startsWith('/crm/')).map((r) => r.at),
        ),
        throughputFractionOfRateLimit: round(burstCalls / seconds / allowedPerSecond),
        targetThroughputFraction: 0.9,
        rowsNotDone: Number(left.n),
      },
    };
  } finally {
    await stopAll(stops);
  }
}

/**
 * How long after the budget granted a call it reached the sandbox, pairing the k-th grant with
 * the k-th arrival (both sorted): the spread is what the budget's guard must cover.
 */
function grantToArrival(grants: readonly number[], arrivals: readonly number[]) {
  const g = [...grants].sort((a, b) => a - b);
  const a = [...arrivals].sort((x, y) => x - y);
  const lags = a
    .slice(0, g.length)
    .map((at, k) => at - g[k]!)
    .sort((x, y) => x - y);
  return { calls: lags.length, min: lags[0] ?? 0, p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags.at(-1) ?? 0 };
}

const noSecretManager = {
  read: (name: string) => Promise.reject(new Error(`the bench reads no secrets (${name})`)),
};

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
