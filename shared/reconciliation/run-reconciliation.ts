import type { Db, Tx } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxPublishDeps } from '../outbox/publish-outbox-row.js';
import { enqueueResyncChunk, publishResyncRows, type EnqueuedChunk, type ResyncRowSpec } from './enqueue-resyncs.js';
import { resyncOrigin, type ReconcileRequest } from './reconcile-request.js';
import { customersOfCompanies, deletedLinks, oneCustomer, warpPassChunk, type OpenWorkRule, type ResyncCandidate } from './resync-candidates.js';
import { incrementalSince, initialCursor, type RunCursor } from './run-cursor.js';
import { withRunLock } from './run-lock.js';
import {
  failAbandonedRuns,
  findRunOfMessage,
  finishRun,
  insertRun,
  lastSucceededAllRunStart,
  recordProgress,
  reopenRun,
  runProgress,
  type RunProgress,
} from './run-repository.js';

export interface ReconcileOptions {
  chunkSize: number;
  overlapMs: number;
  searchPageSize: number;
  /** The field-sync workers' claim lease: a PROCESSING row older than this is stranded. */
  claimLeaseMs: number;
}

export interface ReconcileDeps {
  db: Db;
  companies: Pick<HubspotCompanies, 'searchCompanies'>;
  /** HubSpot HTTP calls this instance's client has made so far; a run records its share. */
  hubspotCalls: () => number;
  /** Where the RESYNC rows go: the outbox topic the field-sync worker consumes. */
  outbox: OutboxPublishDeps;
  log: Logger;
  options: ReconcileOptions;
  now?: () => Date;
}

export type ReconcileOutcome =
  | { kind: 'BUSY' }
  | { kind: 'ALREADY_DONE'; runId: string }
  | ({ kind: 'SUCCEEDED' | 'FAILED'; runId: string } & RunProgress);

/** How many customer ids a needs-attention line lists. */
const ATTENTION_SAMPLE = 20;

/**
 * Handles one reconcile request: records a run, enqueues RESYNC outbox rows (the field-sync
 * worker plans each whole customer against HubSpot's current values) and publishes them. Returns
 * when the request may be acked; throws, after marking the run FAILED, when Pub/Sub should
 * redeliver it (the redelivery resumes the run from its cursor).
 *
 * Runs over all customers hold a lock: a second one requested meanwhile is dropped (BUSY). One
 * customer's resync takes no run lock: it is one short transaction, and must not be refused
 * because the daily run happens to be going.
 */
export async function reconcile(deps: ReconcileDeps, request: ReconcileRequest, messageId: string): Promise<ReconcileOutcome> {
  if ('customerId' in request) return startAndExecute(deps, request, messageId);
  const locked = await withRunLock(deps.db, () => startAndExecute(deps, request, messageId));
  if (locked.acquired) return locked.value;
  deps.log.notice('reconciliation already running; request dropped', { request, messageId });
  return { kind: 'BUSY' };
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
  const now = deps.now ?? (() => new Date());
  const existing = await findRunOfMessage(deps.db, messageId);
  if (existing?.status === 'SUCCEEDED') {
    deps.log.info('reconcile request already handled', { runId: existing.id, messageId });
    return { kind: 'ALREADY_DONE', runId: existing.id };
  }
  if (existing?.cursor) {
    await reopenRun(deps.db, existing.id);
    deps.log.info('reconciliation run resumed', { runId: existing.id, pass: existing.cursor.pass, after: existing.cursor.after });
    return { kind: 'OPEN', runId: existing.id, cursor: existing.cursor };
  }
  const customerId = 'customerId' in request ? request.customerId : null;
  const known = customerId === null || (await oneCustomer(deps.db, openWorkRule(deps, now()), customerId)).length > 0;
  const since = 'all' in request && request.mode === 'INCREMENTAL' ? incrementalSince(await lastSucceededAllRunStart(deps.db), deps.options.overlapMs) : null;
  const cursor = initialCursor(messageId, request, since);
  // A run row cannot name a customer that does not exist (foreign key): it says so in `error`.
  const { id: runId } = await insertRun(deps.db, request, cursor, known ? customerId : null);
  if (known) return { kind: 'OPEN', runId, cursor };
  await finishRun(deps.db, runId, { status: 'FAILED', error: `customer ${customerId} not found` }, now());
  deps.log.warn('reconcile request names an unknown customer', { runId, customerId });
  return { kind: 'FAILED', runId, ...(await runProgress(deps.db, runId)) };
}

async function executeRun(deps: ReconcileDeps, request: ReconcileRequest, runId: string, cursor: RunCursor): Promise<ReconcileOutcome> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log.child({ runId });
  if ('all' in request) {
    const abandoned = await failAbandonedRuns(deps.db, runId, now());
    if (abandoned.length > 0) log.warn('reconciliation runs left RUNNING by a stopped instance marked FAILED', { runIds: abandoned });
  }

  const calls = { counted: deps.hubspotCalls() };
  const spentCalls = () => {
    const total = deps.hubspotCalls();
    const spent = total - calls.counted;
    calls.counted = total;
    return spent;
  };
  try {
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

/** The run's passes from where its cursor stands; each chunk commits its rows with the cursor. */
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
  const spec: ResyncRowSpec = { origin: resyncOrigin(cursor.request), changedBy: `reconciliation-run:${runId}`, now: now() };
  const rule = openWorkRule(deps, spec.now);
  const chunk = async (load: (tx: Tx) => Promise<ResyncCandidate[]>, next: (c: EnqueuedChunk) => RunCursor, hubspotCalls = 0) => {
    const enqueued = await enqueueResyncChunk(deps.db, load, spec, async (tx, c) => {
      cursor = next(c);
      await recordProgress(tx, runId, { checked: c.candidates.length, changed: c.outboxIds.length, hubspotCalls }, cursor);
    });
    const { failed, firstError } = await publishResyncRows(deps.outbox, enqueued.outboxIds);
    if (failed > 0) {
      await recordProgress(deps.db, runId, { errors: failed });
      log.warn('reconciliation could not publish some resync rows; the outbox relay will send them', { failed, err: firstError });
    }
  };

  while (cursor.pass === 'WARP') {
    const request = cursor.request;
    if ('customerId' in request) {
      await chunk((tx) => oneCustomer(tx, rule, request.customerId), () => ({ ...cursor, pass: 'DONE' }));
      continue;
    }
    const limit = deps.options.chunkSize;
    const after = cursor.after;
    await chunk(
      (tx) => warpPassChunk(tx, rule, { since, after, limit }),
      (c) =>
        c.candidates.length < limit
          ? { ...cursor, pass: since === null ? 'DONE' : 'HUBSPOT', after: null }
          : { ...cursor, after: c.candidates.at(-1)!.id },
    );
  }

  while (cursor.pass === 'HUBSPOT' && since !== null) {
    // Linked companies only: every customer still without a company was taken by the WARP pass.
    const page = await deps.companies.searchCompanies(
      { modifiedSince: since, properties: ['hs_object_id'], pageSize: deps.options.searchPageSize },
      cursor.after === null ? undefined : { afterId: cursor.after },
    );
    await chunk(
      (tx) => customersOfCompanies(tx, rule, page.results.map((c) => c.id), since),
      () => (page.next ? { ...cursor, after: page.next.afterId } : { ...cursor, pass: 'DONE', after: null }),
      spentCalls(),
    );
  }
}

const openWorkRule = (deps: ReconcileDeps, now: Date): OpenWorkRule => ({ leaseCutoff: new Date(now.getTime() - deps.options.claimLeaseMs) });

/**
 * Customers whose HubSpot company was deleted are never resynced (relinking needs a person). The
 * deletion was flagged when it happened; each run repeats it once so it is not forgotten.
 */
async function reportDeletedLinks(deps: ReconcileDeps, request: ReconcileRequest, log: Logger): Promise<void> {
  const { count, sample } = await deletedLinks(deps.db, ATTENTION_SAMPLE, 'customerId' in request ? request.customerId : undefined);
  if (count === 0) return;
  log.warn('customers whose HubSpot company was deleted still need attention', { customers: count, customerIds: sample });
}
