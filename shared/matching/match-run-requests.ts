import { z } from 'zod';
import { inTransaction, type Tx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { MAX_REQUEST_CUSTOMERS } from '../reconciliation/reconcile-request.js';
import { publishQueuedRun, QUEUED_EXPIRY_MS, type RunRequestDeps } from '../reconciliation/run-requests.js';
import { withRunLock } from '../reconciliation/run-lock.js';
import { expireQueuedRuns, failAbandonedRuns, runInProgress } from '../reconciliation/run-repository.js';
import { systemClock } from '../runtime/clock.js';
import { failStaleMatchRuns, findMatchRun, finishMatchRun, insertMatchRun, matchRunInProgress } from './match-run-repository.js';
import { APPLY_PASS, DEFAULT_MIN_CONFIDENCE, FIRST_PASS, minConfidenceSchema } from './match-run-request.js';
import { customerIdSchema } from '../customers/query-schemas.js';

/** The body of POST /v1/sync/matches: a dry run only reports; a real one links what it may. */
export const startMatchBodySchema = z.strictObject({
  dryRun: z.boolean(),
  /** Proposals below it are reported, never linked: WARP_BAN 1, DOMAIN 0.9, NAME_LOCATION 0.8, NAME 0.6. */
  minConfidence: minConfidenceSchema.default(DEFAULT_MIN_CONFIDENCE),
});
export type StartMatchBody = z.output<typeof startMatchBodySchema>;

/** The body of POST /v1/sync/matches/:id/apply. */
export const applyMatchBodySchema = z.strictObject({
  /**
   * Only these customers' proposals, each an unambiguous match (below minConfidence too: the
   * reviewer confirmed it). Without it, every LINK proposal not applied yet.
   */
  customerIds: z.array(customerIdSchema).min(1).max(MAX_REQUEST_CUSTOMERS).optional(),
});
export type ApplyMatchBody = z.output<typeof applyMatchBodySchema>;

/** A new match run for the reconcile worker; answers its id at once. */
export function queueMatchRun(deps: RunRequestDeps, body: StartMatchBody, startedBy: string): Promise<{ runId: string }> {
  return queueUnderLock(deps, async (tx) => {
    const run = await insertMatchRun(tx, {
      dryRun: body.dryRun,
      minConfidence: body.minConfidence,
      status: 'QUEUED',
      startedBy,
      cursor: FIRST_PASS,
    });
    return run.id;
  });
}

/**
 * Queues the apply of a finished dry run's report: the chosen proposals are marked PENDING and
 * the worker links them (it reads each company from HubSpot just before). A proposal applied
 * once is not applied again; AMBIGUOUS and NO_MATCH proposals are never linked.
 */
export function queueMatchApply(deps: RunRequestDeps, runId: string, body: ApplyMatchBody, appliedBy: string): Promise<{ runId: string }> {
  return queueUnderLock(deps, async (tx, now) => {
    const run = await findMatchRun(tx, runId);
    if (!run) throw new AppError('NOT_FOUND', 'No such match run', { id: runId });
    if (!run.dryRun || run.status !== 'SUCCEEDED') {
      throw new AppError('CONFLICT', 'Only a finished dry run is applied; a real run links as it goes', {
        id: runId,
        status: run.status,
        dryRun: run.dryRun,
      });
    }
    const chosen = await tx
      .updateTable('hubspot_match_proposals')
      .set({ apply_status: 'PENDING' })
      .where('run_id', '=', runId)
      .where('apply_status', 'is', null)
      .$if(body.customerIds === undefined, (q) => q.where('decision', '=', 'LINK'))
      .$if(body.customerIds !== undefined, (q) => q.where('status', '=', 'MATCHED').where('customer_id', 'in', body.customerIds!))
      .returning('customer_id')
      .execute();
    if (body.customerIds) {
      const marked = new Set(chosen.map((r) => r.customer_id));
      const refused = body.customerIds.filter((id) => !marked.has(id));
      if (refused.length > 0) {
        throw new AppError('VALIDATION_FAILED', 'Some customers have no unambiguous proposal left to apply in this report', {
          customerIds: refused,
        });
      }
    }
    if (chosen.length === 0) throw new AppError('CONFLICT', 'Nothing left to apply in this report', { id: runId });
    await tx
      .updateTable('hubspot_match_runs')
      .set({ status: 'QUEUED', queued_at: now, finished_at: null, applied_by: appliedBy, cursor: JSON.stringify(APPLY_PASS) })
      .where('id', '=', runId)
      .execute();
    return runId;
  });
}

/**
 * Under the run lock (shared with reconciliation: see match-run.ts), in one transaction: stale
 * runs stop blocking, no run of either kind may be queued or running, then `queue` records the
 * request; after commit `{"matchRunId"}` goes to the reconcile topic. A publish that fails marks
 * the run FAILED and answers 503 (an apply's chosen rows stay PENDING: the next apply retries them).
 */
async function queueUnderLock(deps: RunRequestDeps, queue: (tx: Tx, now: Date) => Promise<string>): Promise<{ runId: string }> {
  const now = (deps.now ?? systemClock)();
  const locked = await withRunLock(deps.db, () =>
    inTransaction(deps.db, async (tx) => {
      const queuedBefore = new Date(now.getTime() - QUEUED_EXPIRY_MS);
      await failAbandonedRuns(tx, null, now);
      await expireQueuedRuns(tx, queuedBefore, now);
      await failStaleMatchRuns(tx, null, queuedBefore, now);
      const busy = (await matchRunInProgress(tx)) ?? (await runInProgress(tx));
      if (busy) return { busy };
      return { runId: await queue(tx, now) };
    }),
  );
  const busy = locked.acquired ? locked.value.busy : ((await matchRunInProgress(deps.db)) ?? (await runInProgress(deps.db)));
  if (!locked.acquired || busy)
    throw new AppError('RUN_IN_PROGRESS', 'A match or reconciliation run is already in progress', { runId: busy ?? null });
  const runId = locked.value.runId!;
  await publishQueuedRun(deps, runId, { matchRunId: runId }, { finish: finishMatchRun, logName: 'match run', answerName: 'The match run' });
  deps.log.info('match run queued', { runId });
  return { runId };
}
