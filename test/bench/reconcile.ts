/**
 * Reconciliation at 100,000: customers linked to as many sandbox companies and in sync, then 1%
 * changed on each side since the last run (WARP changes the sync missed, people's HubSpot edits
 * whose webhooks never came). A FULL run, with the field-sync workers syncing the RESYNCs it
 * queues; then, after a fresh 1%/1%, an INCREMENTAL run. Each against the rate-limit floor of the
 * HubSpot calls it must make (HubSpot's 100 per 10 s: floorCalls x 100 ms; and CRM search's own 5
 * per second: search pages x 200 ms; the floor is the longer of the two):
 * - FULL: one list page per 100 companies, plus one batch write per 100 companies whose values
 *   must change (the WARP-side changes; HubSpot's edits are pulled into WARP, no HubSpot write);
 * - INCREMENTAL: the search pages for the companies modified since the last run, plus the writes.
 * wallMs runs from the request to the last RESYNC settled; ratioToFloor = wallMs / floorMs.
 * Three processes: this one orchestrates and watches; the portal (sandbox and seeding) and the
 * measured reconcile instance (reconcile-instance.ts: the reconcile worker and the field-sync
 * workers, heap capped as on a small instance) run apart. maxRssMb is the instance's, through both runs.
 *
 *   npm run bench -- reconcile
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@hubspot/api-client';
import { createDb, type Db } from '../../shared/db/database.js';
import { ensureCompanyProperties } from '../../shared/hubspot/ensure-properties.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { AllCustomersRequest } from '../../shared/reconciliation/reconcile-request.js';
import { waitFor } from '../support/wait-for.js';
import { benchDatabase, round, stopAll, type Stops } from './bench-support.js';
import { startReconcileInstance, type ReconcileInstance } from './reconcile-instance.js';
import { startPortalProcess, type PortalProcess } from './reconcile-portal.js';
import { watchProgress } from './reconcile-probes.js';
import { changeInHubspot, changeInWarp, customersEvery, type LinkedCustomer } from './reconcile-seed.js';

export interface ReconcileBenchOptions {
  customers?: number;
  /** Share of the customers changed on each side before each run. */
  changedShare?: number;
  /** Field-sync instances the RESYNCs are delivered to. */
  instances?: number;
}

const silent = createLogger({ level: 'CRITICAL', sink: () => undefined });
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** HubSpot's window plus the budget's guard: calls made before it no longer count against a run. */
const WINDOW_CLEARS_MS = 10_500;
const CALLS_PER_SECOND = 10;
/** CRM search's own limit at HubSpot. */
const SEARCHES_PER_SECOND = 5;
const LIST_PAGE = 100;
const BATCH_WRITE = 100;

export async function benchReconcile(options: ReconcileBenchOptions = {}): Promise<object> {
  const size = options.customers ?? 100_000;
  const changed = Math.max(1, Math.round(size * (options.changedShare ?? 0.01)));
  const instances = options.instances ?? 4;
  const stops: Stops = [];
  try {
    const url = await benchDatabase(stops, 'reconcile');
    const db = createDb({ connectionString: url, maxConnections: 4 });
    stops.push(() => db.destroy());
    const portal = await startPortalProcess();
    stops.push(() => portal.close());
    await ensureCompanyProperties(new Client({ accessToken: portal.token, basePath: portal.url }), silent);
    const setUpCallsLeaveAt = Date.now() + WINDOW_CLEARS_MS;

    await portal.setClockOffset(-2 * DAY_MS);
    const seedStarted = performance.now();
    await portal.seed(url, size, new Date(Date.now() - 2 * DAY_MS));
    const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
    const [warpFirst, hubspotFirst, warpSecond, hubspotSecond] = await changeSets(db, size, changed);

    // Before the FULL run (an hour before: older than the next run's look-back): missed in WARP, edited in HubSpot.
    await portal.setClockOffset(-HOUR_MS);
    await changeInWarp(db, warpFirst, 'r1', new Date(Date.now() - HOUR_MS));
    await changeInHubspot(portal.control, hubspotFirst, 'r1');
    await portal.setClockOffset(0);

    const instance = await startReconcileInstance(url, portal, instances);
    stops.push(() => instance.close());
    await sleep(Math.max(0, setUpCallsLeaveAt - Date.now()));
    await instance.memory();
    const full = await measureRun(db, instance, portal, { all: true, mode: 'FULL', trigger: 'SCHEDULER', dryRun: false }, 'bench-full');
    const fullFloor = { calls: Math.ceil(size / LIST_PAGE) + Math.ceil(changed / BATCH_WRITE), searches: 0 };
    const fullApplied = await changesApplied(db, portal, warpFirst, hubspotFirst, 'r1');

    // The next day (the rate window has long cleared): a fresh change on each side, then the scheduler's run.
    await sleep(WINDOW_CLEARS_MS);
    await changeInWarp(db, warpSecond, 'r2', new Date());
    await changeInHubspot(portal.control, hubspotSecond, 'r2');
    const incrementalRequest: AllCustomersRequest = { all: true, mode: 'INCREMENTAL', trigger: 'SCHEDULER', dryRun: false };
    const incremental = await measureRun(db, instance, portal, incrementalRequest, 'bench-incremental');
    const searches = incremental.hubspotCallsByMethod.searchCompanies ?? 0;
    const incrementalFloor = { calls: searches + Math.ceil(changed / BATCH_WRITE), searches };
    const incrementalApplied = await changesApplied(db, portal, warpSecond, hubspotSecond, 'r2');
    const { maxRssMb, maxHeapUsedMb } = await instance.memory();

    return {
      customers: size,
      changedPerSide: changed,
      fieldSyncInstances: instances,
      seedSeconds,
      full: { ...withFloor(full, fullFloor), applied: fullApplied },
      incremental: { ...withFloor(incremental, incrementalFloor), applied: incrementalApplied },
      maxRssMb,
      maxHeapUsedMb,
      portalProcessRssMb: Math.round(await portal.rssMb()),
    };
  } finally {
    await stopAll(stops);
  }
}

/** Four disjoint sets of `changed` customers, spread over the whole portal: WARP and HubSpot changes before each run. */
async function changeSets(db: Db, size: number, changed: number) {
  const stride = Math.floor(size / changed);
  const set = async (quarter: number) => (await customersEvery(db, stride, Math.floor((quarter * stride) / 4))).slice(0, changed);
  return Promise.all([set(0), set(1), set(2), set(3)]);
}

async function measureRun(db: Db, instance: ReconcileInstance, portal: PortalProcess, request: AllCustomersRequest, messageId: string) {
  await portal.control.clearRequests();
  await instance.calls();
  const progress = watchProgress(db);
  const startedAt = Date.now();
  const outcome = await instance.run(request, messageId);
  const runFinishedAt = Date.now();
  if (outcome.kind !== 'SUCCEEDED' || outcome.runId === undefined) throw new Error(`the ${request.mode} run ended ${outcome.kind}`);
  await waitFor(async () => (await openOutboxRows(db)) === 0, 'every RESYNC to be synced', 600_000);
  const wallMs = Date.now() - startedAt;
  const log = await portal.control.requests();
  const run = await db.selectFrom('hubspot_reconciliation_runs').selectAll().where('id', '=', outcome.runId).executeTakeFirstOrThrow();
  return {
    wallMs,
    runMs: runFinishedAt - startedAt,
    hubspotCalls: log.counters.total,
    hubspotCallsByMethod: await instance.calls(),
    hubspotCallsByStatus: log.counters.byStatus,
    maxCallsIn10s: log.maxInWindow,
    customersTotal: run.customers_total,
    customersChecked: run.customers_checked,
    resyncRows: run.customers_changed,
    fieldSyncBatches: await batchesOfRun(db, outcome.runId),
    reconcilerHubspotCalls: run.hubspot_calls,
    ...(await progress.stop(runFinishedAt)),
  };
}

function withFloor<R extends { wallMs: number }>(measured: R, floor: { calls: number; searches: number }) {
  const searchFloorMs = (floor.searches / SEARCHES_PER_SECOND) * 1000;
  const floorMs = Math.max((floor.calls / CALLS_PER_SECOND) * 1000, searchFloorMs);
  return { ...measured, floorCalls: floor.calls, searchFloorMs, floorMs, ratioToFloor: round(measured.wallMs / floorMs, 3) };
}

/** The batches the workers synced a run's RESYNCs in: a batch completes its rows in one statement. */
async function batchesOfRun(db: Db, runId: string): Promise<number> {
  const { n } = await db
    .selectFrom('hubspot_sync_queue')
    .select((eb) => eb.fn.count<string>('processed_at').distinct().as('n'))
    .where('changed_by', '=', `reconciliation-run:${runId}`)
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function openOutboxRows(db: Db): Promise<number> {
  const { n } = await db
    .selectFrom('hubspot_sync_queue')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', 'in', ['PENDING', 'PROCESSING'])
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** How many of a round's changes reached the other side: WARP's names in HubSpot (a sample), HubSpot's cities in WARP. */
type Changed = readonly LinkedCustomer[];

async function changesApplied(db: Db, portal: PortalProcess, warp: Changed, hubspot: Changed, label: string) {
  const SAMPLE = 50;
  const nameOf = async (c: LinkedCustomer) => (await portal.control.company(c.companyId)).properties.name ?? '';
  const names = await Promise.all(warp.slice(0, SAMPLE).map(nameOf));
  const pulled = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(
      'id',
      'in',
      hubspot.map((c) => c.customerId),
    )
    .where((eb) => eb(eb.ref('address', '->>').key('city'), '=', `Boulder ${label}`))
    .executeTakeFirstOrThrow();
  return {
    warpChangesInHubspot: `${names.filter((n) => n.endsWith(` ${label}`)).length}/${Math.min(SAMPLE, warp.length)}`,
    hubspotChangesInWarp: `${pulled.n}/${hubspot.length}`,
  };
}
