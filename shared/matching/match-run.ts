import { inTransaction, type Db } from '../db/database.js';
import type { HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxPublishDeps } from '../outbox/publish-outbox-row.js';
import { QUEUED_EXPIRY_MS } from '../reconciliation/run-requests.js';
import { withRunLock } from '../reconciliation/run-lock.js';
import { hubspotCallMeter } from '../reconciliation/hubspot-call-meter.js';
import { EXPIRED_ERROR } from '../reconciliation/run-repository.js';
import { applyChunk } from './match-run-apply.js';
import { decideProposal, matchCustomers, toMatchCustomer, type MatchCompany, type MatchCustomer } from './match.js';
import {
  failStaleMatchRuns,
  findMatchRun,
  findMatchRunOfMessage,
  finishMatchRun,
  insertMatchRun,
  recordMatchProgress,
  setMatchCustomersTotal,
  startMatchRun,
  type MatchRun,
} from './match-run-repository.js';
import { FIRST_PASS, type MatchCursor, type MatchMessage } from './match-run-request.js';
import { systemClock, type Clock } from '../runtime/clock.js';

/** The company properties matching reads: nothing else is listed. */
export const MATCH_PROPERTIES = ['name', 'domain', 'warp_ban', 'country', 'zip', 'city'] as const;

export interface MatchRunDeps {
  db: Db;
  /** Listing for the match; batch reads with history of the companies about to be linked. */
  companies: Pick<HubspotCompanies, 'listCompanies' | 'batchReadWithHistory'>;
  /** Our HubSpot app's id: our own writes in HubSpot's history are recognized as the sync does. */
  hubspotAppId?: string;
  /** HubSpot HTTP calls this instance's client has made so far; a run records its share. */
  hubspotCalls: () => number;
  /** Where a link's RESYNC goes (it stamps `warp_ban` on the company). */
  outbox: OutboxPublishDeps;
  log: Logger;
  now?: Clock;
}

export type MatchOutcome = { kind: 'ALREADY_DONE' | 'UNKNOWN_RUN'; runId: string } | { kind: 'SUCCEEDED'; runId: string };

/** Rows per insert: 13 parameters each, well under PostgreSQL's 65,535. */
const INSERT_BATCH = 1000;

/**
 * Handles a match request or a run the sync API queued: lists every HubSpot company once (100 per
 * call, only MATCH_PROPERTIES), proposes at most one company per unlinked customer, stores the
 * report and, for a real run or an apply, links the proposals chosen. Each step commits its work
 * with the run's cursor; a failed run is marked FAILED and rethrown, so Pub/Sub redelivers the
 * request and the run resumes where it stopped.
 *
 * Match runs share the reconciliation run lock: a reconciliation going at the same time would
 * enqueue the unlinked customers, and the sync would create a second company for each of them
 * before the match has linked it. While the lock is held the request is redelivered, not dropped.
 */
export async function runMatch(deps: MatchRunDeps, message: MatchMessage, messageId: string): Promise<MatchOutcome> {
  const locked = await withRunLock(deps.db, async () => {
    const opened = await openRun(deps, message, messageId);
    if ('kind' in opened) return opened;
    await executeRun(deps, opened);
    return { kind: 'SUCCEEDED' as const, runId: opened.id };
  });
  if (locked.acquired) return locked.value;
  throw new Error('a match run waits for the reconciliation or match run in progress');
}

async function openRun(deps: MatchRunDeps, message: MatchMessage, messageId: string): Promise<MatchRun | MatchOutcome> {
  const now = (deps.now ?? systemClock)();
  const run = 'matchRunId' in message ? await findMatchRun(deps.db, message.matchRunId) : await findMatchRunOfMessage(deps.db, messageId);
  if ('matchRunId' in message && !run) {
    deps.log.error('match request names a run that does not exist', { runId: message.matchRunId });
    return { kind: 'UNKNOWN_RUN', runId: message.matchRunId };
  }
  if (run && (run.status === 'SUCCEEDED' || run.error === EXPIRED_ERROR)) return { kind: 'ALREADY_DONE', runId: run.id };
  await failStaleMatchRuns(deps.db, run?.id ?? null, new Date(now.getTime() - QUEUED_EXPIRY_MS), now);
  if (run) {
    await startMatchRun(deps.db, run.id);
    return run;
  }
  const request = message as Exclude<MatchMessage, { matchRunId: string }>;
  return insertMatchRun(deps.db, {
    dryRun: request.dryRun,
    minConfidence: request.minConfidence,
    status: 'RUNNING',
    messageId,
    cursor: FIRST_PASS,
  });
}

async function executeRun(deps: MatchRunDeps, run: MatchRun): Promise<void> {
  const now = deps.now ?? systemClock;
  const log = deps.log.child({ matchRunId: run.id });
  const spentCalls = hubspotCallMeter(deps.hubspotCalls);
  let cursor = run.cursor;
  try {
    while (cursor.pass !== 'DONE') {
      if (cursor.pass === 'LIST') cursor = await listPage(deps, run.id, cursor, spentCalls);
      else if (cursor.pass === 'MATCH') cursor = await matchPass(deps, run);
      else cursor = await applyChunk(deps, run, cursor, spentCalls, log);
    }
    await finishMatchRun(deps.db, run.id, { status: 'SUCCEEDED' }, now());
  } catch (err) {
    await recordMatchProgress(deps.db, run.id, { hubspotCalls: spentCalls() });
    await finishMatchRun(deps.db, run.id, { status: 'FAILED', error: `${(err as Error).name}: ${(err as Error).message}` }, now());
    log.error('match run failed', { err, pass: cursor.pass });
    throw err;
  }
  log.info('match run finished', { dryRun: run.dryRun, minConfidence: run.minConfidence });
}

/** One page of HubSpot's companies, stored with the cursor of the next. */
async function listPage(deps: MatchRunDeps, runId: string, cursor: MatchCursor, spentCalls: () => number): Promise<MatchCursor> {
  const page = await deps.companies.listCompanies(MATCH_PROPERTIES, cursor.after ?? undefined);
  const next: MatchCursor = page.after ? { pass: 'LIST', after: page.after } : { pass: 'MATCH', after: null };
  const rows = page.results.map((c) => ({
    run_id: runId,
    company_id: c.id,
    ...Object.fromEntries(MATCH_PROPERTIES.map((p) => [p, c.properties[p] || null])),
  }));
  await inTransaction(deps.db, async (tx) => {
    if (rows.length > 0)
      await tx
        .insertInto('hubspot_match_companies')
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
    await recordMatchProgress(tx, runId, { companiesListed: rows.length, hubspotCalls: spentCalls() }, next);
  });
  return next;
}

/**
 * Proposes for every unlinked customer against the listed companies and writes the whole
 * report in one transaction (matching is pure: a resumed run computes the same report).
 */
async function matchPass(deps: MatchRunDeps, run: MatchRun): Promise<MatchCursor> {
  return inTransaction(deps.db, async (tx) => {
    const [companies, customers, linked] = await Promise.all([listedCompanies(tx, run.id), unlinkedCustomers(tx), linkedCompanyIds(tx)]);
    const proposals = matchCustomers(customers, companies, { linkedCompanyIds: linked });
    const rows = proposals.map((p) => {
      const decision = decideProposal(p, run.minConfidence);
      return {
        run_id: run.id,
        customer_id: p.customerId,
        status: p.status,
        decision,
        company_id: p.status === 'MATCHED' ? p.companyId : null,
        rule: p.status === 'NONE' ? null : p.rule,
        confidence: p.status === 'NONE' ? null : p.confidence.toFixed(2),
        ambiguity: p.status === 'AMBIGUOUS' ? p.reason : null,
        contested_with: p.status === 'AMBIGUOUS' ? p.contestedWith : [],
        candidates: JSON.stringify(p.candidates),
        apply_status: !run.dryRun && decision === 'LINK' ? ('PENDING' as const) : null,
      };
    });
    await tx.deleteFrom('hubspot_match_proposals').where('run_id', '=', run.id).execute();
    for (let i = 0; i < rows.length; i += INSERT_BATCH)
      await tx
        .insertInto('hubspot_match_proposals')
        .values(rows.slice(i, i + INSERT_BATCH))
        .execute();
    await tx.deleteFrom('hubspot_match_companies').where('run_id', '=', run.id).execute();
    await setMatchCustomersTotal(tx, run.id, customers.length);
    const next: MatchCursor = run.dryRun ? { pass: 'DONE', after: null } : { pass: 'APPLY', after: null };
    await recordMatchProgress(tx, run.id, {}, next);
    return next;
  });
}

async function listedCompanies(db: Db, runId: string): Promise<MatchCompany[]> {
  const rows = await db.selectFrom('hubspot_match_companies').selectAll().where('run_id', '=', runId).execute();
  return rows.map((r) => ({
    id: r.company_id,
    name: r.name,
    domain: r.domain,
    warpBan: r.warp_ban,
    country: r.country,
    zip: r.zip,
    city: r.city,
  }));
}

/** Every customer not linked to a live company (never linked, flagged, or whose company was deleted). */
async function unlinkedCustomers(db: Db): Promise<MatchCustomer[]> {
  const rows = await db
    .selectFrom('customers')
    .select(['id', 'ban', 'company_name', 'legal_name', 'contact', 'address', 'business_info'])
    .where('hubspot_link_status', '!=', 'LINKED')
    .orderBy('id')
    .execute();
  return rows.map(toMatchCustomer);
}

async function linkedCompanyIds(db: Db): Promise<Set<string>> {
  const rows = await db
    .selectFrom('customers')
    .select('hubspot_company_id')
    .where('hubspot_link_status', '=', 'LINKED')
    .where('hubspot_company_id', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.hubspot_company_id!));
}
