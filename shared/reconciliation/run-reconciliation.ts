import type { Db, Tx } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxPublishDeps } from '../outbox/publish-outbox-row.js';
import { planDryRunChunk } from './dry-run.js';
import { enqueueResyncChunk, type ResyncRowSpec } from './enqueue-resyncs.js';
import { beginSearchPass, listingPass, type ChunkWork, type HubspotPassContext } from './hubspot-passes.js';
import { isSingleFlight, resyncOrigin, type ReconcileMessage, type ReconcileRequest } from './reconcile-request.js';
import { createResyncPublisher } from './resync-publisher.js';
import { countListingRun, countWarpPass, deletedLinks, oneCustomer, warpPassChunk, type OpenWorkRule } from './resync-candidates.js';
import { incrementalSince, initialCursor, listsEveryCompany, type RunCursor } from './run-cursor.js';
import { withRunLock } from './run-lock.js';
import {
  EXPIRED_ERROR,
  failAbandonedRuns,
  findRun,
  findRunOfMessage,
  finishRun,
  insertRun,
  lastSucceededAllRunStart,
  recordProgress,
  reopenRun,
  runProgress,
  setCustomersTotal,
  startQueuedRun,
  type RunProgress,
} from './run-repository.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { hubspotCallMeter } from './hubspot-call-meter.js';

export interface ReconcileOptions {
  chunkSize: number;
  overlapMs: number;
  searchPageSize: number;
  /** The field-sync workers' claim lease: a PROCESSING row older than this is stranded. */
  claimLeaseMs: number;
  /** RESYNC rows published together (default RESYNC_PUBLISH_BATCH): see createResyncPublisher. */
  publishBatch?: number;
}

/** A full field-sync batch (FIELD_SYNC_BATCH_CUSTOMERS' default): HubSpot's batch update takes 100 companies. */
export const RESYNC_PUBLISH_BATCH = 100;

export interface ReconcileDeps {
  db: Db;
  /** The listing of every company for full runs, searches for incremental ones; history reads for dry runs. */
  companies: Pick<HubspotCompanies, 'listCompanies' | 'searchCompanies' | 'batchReadWithHistory'>;
  /** Our HubSpot app's id: a dry run recognizes our own writes in HubSpot's history like the sync does. */
  hubspotAppId?: string;
  /** HubSpot HTTP calls this instance's client has made so far; a run records its share. */
  hubspotCalls: () => number;
  /** Where the RESYNC rows go: the outbox topic the field-sync worker consumes. */
  outbox: OutboxPublishDeps;
  log: Logger;
  options: ReconcileOptions;
  now?: Clock;
}

export type ReconcileOutcome =
  | { kind: 'BUSY' }
  | { kind: 'ALREADY_DONE' | 'UNKNOWN_RUN'; runId: string }
  | ({ kind: 'SUCCEEDED' | 'FAILED'; runId: string } & RunProgress);

/** How many customer ids a needs-attention line lists. */
const ATTENTION_SAMPLE = 20;

/**
 * Handles one reconcile request: records a run, enqueues RESYNC outbox rows (the field-sync
 * worker plans each whole customer against HubSpot's current values) and publishes them, or for
 * a dry run plans each customer itself and stores the diff report. A real run over every customer
 * lists every HubSpot company once and resyncs only the customers that differ from theirs.
 * Returns when the request may be acked; throws, after marking the run FAILED, when Pub/Sub
 * should redeliver it (the redelivery resumes the run from its cursor).
 *
 * Single-flight runs (isSingleFlight) hold a lock: a second request meanwhile is dropped (BUSY),
 * as the run going covers it. A run the sync API queued is not dropped: its caller holds its id,
 * so it is redelivered until the run going has finished.
 */
export async function reconcile(deps: ReconcileDeps, message: ReconcileMessage, messageId: string): Promise<ReconcileOutcome> {
  if ('runId' in message) {
    const locked = await withRunLock(deps.db, () => executeQueued(deps, message.runId));
    if (locked.acquired) return locked.value;
    throw new Error(`queued reconciliation run ${message.runId} waits for the run in progress`);
  }
  if (!isSingleFlight(message)) return startAndExecute(deps, message, messageId);
  // A redelivery of a request already handled is answered without the lock: holding it, even
  // briefly, would make a new request arriving meanwhile be dropped with nothing running to cover it.
  const handled = alreadyHandled(deps, await findRunOfMessage(deps.db, messageId), messageId);
  if (handled) return handled;
  const locked = await withRunLock(deps.db, () => startAndExecute(deps, message, messageId));
  if (locked.acquired) return locked.value;
  deps.log.notice('reconciliation already running; request dropped', { request: message, messageId });
  return { kind: 'BUSY' };
}

/** Picks up a run the sync API queued (or resumes it after a failed delivery). */
async function executeQueued(deps: ReconcileDeps, runId: string): Promise<ReconcileOutcome> {
  const now = deps.now ?? systemClock;
  const run = await findRun(deps.db, runId);
  if (!run?.cursor) {
    deps.log.error('reconcile request names a run that does not exist', { runId });
    return { kind: 'UNKNOWN_RUN', runId };
  }
  if (run.status === 'SUCCEEDED') return { kind: 'ALREADY_DONE', runId };
  if (run.error === EXPIRED_ERROR) {
    deps.log.notice('queued reconciliation run expired before its request arrived; not started', { runId });
    return { kind: 'ALREADY_DONE', runId };
  }
  let cursor = run.cursor;
  if (run.status === 'QUEUED') {
    const startedAt = now();
    cursor = await newRunCursor(deps, cursor.request, null, startedAt);
    await startQueuedRun(deps.db, runId, cursor, startedAt);
  } else {
    await reopenRun(deps.db, runId);
  }
  return executeRun(deps, cursor.request, runId, cursor);
}

/**
 * A new run's cursor; an incremental run looks back to the last successful one's recorded start,
 * up to its own, `startedAt` (the same instant is recorded as its start: no change falls between).
 */
async function newRunCursor(deps: ReconcileDeps, request: ReconcileRequest, messageId: string | null, startedAt: Date): Promise<RunCursor> {
  const since =
    'all' in request && request.mode === 'INCREMENTAL'
      ? incrementalSince(await lastSucceededAllRunStart(deps.db), deps.options.overlapMs)
      : null;
  return initialCursor(messageId, request, since === null ? null : { since, until: startedAt });
}

async function startAndExecute(deps: ReconcileDeps, request: ReconcileRequest, messageId: string): Promise<ReconcileOutcome> {
  const opened = await openRun(deps, request, messageId);
  return opened.kind === 'OPEN' ? executeRun(deps, request, opened.runId, opened.cursor) : opened;
}

/**
 * The run of this request: the one its earlier delivery started, reopened where it stopped, or a
 * new one. Settles at once a request already handled or naming an unknown customer.
 */
async function openRun(
  deps: ReconcileDeps,
  request: ReconcileRequest,
  messageId: string,
): Promise<{ kind: 'OPEN'; runId: string; cursor: RunCursor } | Exclude<ReconcileOutcome, { kind: 'BUSY' | 'SUCCEEDED' }>> {
  const now = deps.now ?? systemClock;
  const existing = await findRunOfMessage(deps.db, messageId);
  const handled = alreadyHandled(deps, existing, messageId);
  if (handled) return handled;
  if (existing?.cursor) {
    await reopenRun(deps.db, existing.id);
    deps.log.info('reconciliation run resumed', { runId: existing.id, pass: existing.cursor.pass, after: existing.cursor.after });
    return { kind: 'OPEN', runId: existing.id, cursor: existing.cursor };
  }
  const customerId = 'customerId' in request ? request.customerId : null;
  const known = customerId === null || (await oneCustomer(deps.db, openWorkRule(deps, now()), customerId)).length > 0;
  const startedAt = now();
  const cursor = await newRunCursor(deps, request, messageId, startedAt);
  // A run row cannot name a customer that does not exist (foreign key): it says so in `error`.
  const { id: runId } = await insertRun(deps.db, request, cursor, known ? customerId : null, { startedAt });
  if (known) return { kind: 'OPEN', runId, cursor };
  await finishRun(deps.db, runId, { status: 'FAILED', error: `customer ${customerId} not found` }, now());
  deps.log.warn('reconcile request names an unknown customer', { runId, customerId });
  return { kind: 'FAILED', runId, ...(await runProgress(deps.db, runId)) };
}

/** The answer to a request whose run has SUCCEEDED: nothing more to do. */
function alreadyHandled(
  deps: ReconcileDeps,
  run: Awaited<ReturnType<typeof findRunOfMessage>>,
  messageId: string,
): { kind: 'ALREADY_DONE'; runId: string } | null {
  if (run?.status !== 'SUCCEEDED') return null;
  deps.log.info('reconcile request already handled', { runId: run.id, messageId });
  return { kind: 'ALREADY_DONE', runId: run.id };
}

async function executeRun(deps: ReconcileDeps, request: ReconcileRequest, runId: string, cursor: RunCursor): Promise<ReconcileOutcome> {
  const now = deps.now ?? systemClock;
  const log = deps.log.child({ runId });
  if (isSingleFlight(request)) {
    const abandoned = await failAbandonedRuns(deps.db, runId, now());
    if (abandoned.length > 0) log.warn('reconciliation runs left RUNNING by a stopped instance marked FAILED', { runIds: abandoned });
  }

  const spentCalls = hubspotCallMeter(deps.hubspotCalls);
  try {
    if (cursor.pass === 'WARP' && cursor.after === null) await setCustomersTotal(deps.db, runId, await customersTotal(deps, cursor, now()));
    await executePasses(deps, runId, cursor, spentCalls, log, now);
    await finishRun(deps.db, runId, { status: 'SUCCEEDED' }, now());
  } catch (err) {
    await recordProgress(deps.db, runId, { hubspotCalls: spentCalls() });
    await finishRun(deps.db, runId, { status: 'FAILED', error: `${(err as Error).name}: ${(err as Error).message}` }, now());
    log.error('reconciliation run failed', { err, request });
    throw err;
  }
  await reportDeletedLinks(deps, request, log);
  const progress = await runProgress(deps.db, runId);
  log.info('reconciliation run finished', { request, since: cursor.since, ...progress });
  return { kind: 'SUCCEEDED', runId, ...progress };
}

/** The customers the WARP pass (and a listing) will check; a search pass adds those it finds. */
function customersTotal(deps: ReconcileDeps, cursor: RunCursor, now: Date): Promise<number> {
  const request = cursor.request;
  if ('customerId' in request) return Promise.resolve(1);
  const rule = openWorkRule(deps, now);
  if (listsEveryCompany(cursor)) return countListingRun(deps.db, rule);
  const since = cursor.since === null ? null : new Date(cursor.since);
  return countWarpPass(deps.db, rule, { since, ids: 'customerIds' in request ? request.customerIds : undefined });
}

/** The run's passes from where its cursor stands; each chunk commits its work with the cursor. */
async function executePasses(
  deps: ReconcileDeps,
  runId: string,
  start: RunCursor,
  spentCalls: () => number,
  log: Logger,
  now: () => Date,
): Promise<void> {
  let cursor = start;
  const since = cursor.since === null ? null : new Date(cursor.since);
  const listing = listsEveryCompany(cursor);
  const spec: ResyncRowSpec = { origin: resyncOrigin(cursor.request), changedBy: `reconciliation-run:${runId}`, now: now() };
  const rule = openWorkRule(deps, spec.now);
  const save = async (tx: Tx, next: RunCursor, progress: RunProgress) => {
    cursor = next;
    await recordProgress(tx, runId, progress, cursor);
  };

  const publishBatch = deps.options.publishBatch ?? RESYNC_PUBLISH_BATCH;
  const publisher = createResyncPublisher(deps.outbox, publishBatch, async ({ failed, firstError }) => {
    await recordProgress(deps.db, runId, { errors: failed });
    log.warn('reconciliation could not publish some resync rows; the outbox relay will send them', { failed, err: firstError });
  });
  const resync: ChunkWork = async (load, next, counts) => {
    const enqueued = await enqueueResyncChunk(deps.db, load, spec, (tx, c) =>
      save(tx, next(c.candidates), {
        checked: c.candidates.length,
        changed: c.outboxIds.length,
        hubspotCalls: counts.hubspotCalls,
        errors: 0,
        found: counts.found ? c.candidates.length : 0,
      }),
    );
    publisher.add(enqueued.outboxIds);
  };
  const plan: ChunkWork = (load, next, counts) =>
    planDryRunChunk(deps, runId, load, (tx, c) =>
      save(tx, next(c.candidates), {
        checked: c.candidates.length,
        changed: c.changed,
        hubspotCalls: counts.hubspotCalls + spentCalls(),
        errors: c.errors,
        found: counts.found ? c.candidates.length : 0,
      }),
    );
  const chunk = cursor.request.dryRun ? plan : resync;
  const context: HubspotPassContext = { deps, rule, cursor: () => cursor, chunk, spentCalls };
  const searchPass = since !== null && (cursor.pass === 'WARP' || cursor.pass === 'HUBSPOT') ? beginSearchPass(context, since) : undefined;

  while (cursor.pass === 'WARP') {
    const request = cursor.request;
    if ('customerId' in request) {
      await chunk(
        (db) => oneCustomer(db, rule, request.customerId),
        () => ({ ...cursor, pass: 'DONE' }),
        { hubspotCalls: 0, found: false },
      );
      continue;
    }
    const limit = deps.options.chunkSize;
    const after = cursor.after;
    const ids = 'customerIds' in request ? request.customerIds : undefined;
    await chunk(
      (db) => warpPassChunk(db, rule, { since, ids, after, limit, beyondListing: listing }),
      (candidates) =>
        candidates.length < limit
          ? { ...cursor, pass: passAfterWarp(since, listing), after: null }
          : { ...cursor, after: candidates.at(-1)!.id },
      { hubspotCalls: 0, found: false },
    );
  }

  if (cursor.pass === 'HUBSPOT' && searchPass) await searchPass();
  if (cursor.pass === 'LISTING') await listingPass(context);
  await publisher.flush();
}

/** Linked customers are looked at on HubSpot's side next: the companies modified since, or every one. */
function passAfterWarp(since: Date | null, listing: boolean): RunCursor['pass'] {
  if (since !== null) return 'HUBSPOT';
  return listing ? 'LISTING' : 'DONE';
}

const openWorkRule = (deps: ReconcileDeps, now: Date): OpenWorkRule => ({
  leaseCutoff: new Date(now.getTime() - deps.options.claimLeaseMs),
});

/**
 * Customers whose HubSpot company was deleted are never resynced (relinking needs a person). The
 * deletion was flagged when it happened; each run repeats it once so it is not forgotten.
 */
async function reportDeletedLinks(deps: ReconcileDeps, request: ReconcileRequest, log: Logger): Promise<void> {
  const { count, sample } = await deletedLinks(deps.db, ATTENTION_SAMPLE, 'customerId' in request ? request.customerId : undefined);
  if (count === 0) return;
  log.warn('customers whose HubSpot company was deleted still need attention', { customers: count, customerIds: sample });
}
