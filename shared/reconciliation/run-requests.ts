import { z } from 'zod';
import { inTransaction, type Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { MAX_REQUEST_CUSTOMERS, type ReconcileRequest } from './reconcile-request.js';
import { initialCursor } from './run-cursor.js';
import { withRunLock } from './run-lock.js';
import { expireQueuedRuns, failAbandonedRuns, finishRun, insertRun, runInProgress, type RunOutcome } from './run-repository.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { customerIdSchema } from '../customers/query-schemas.js';

export interface RunRequestDeps {
  db: Db;
  publisher: MessagePublisher;
  /** The reconcile request topic the reconcile worker consumes. */
  topic: string;
  log: Logger;
  now?: Clock;
}

/**
 * A queued request the worker has not picked up in this long was lost (or dead-lettered after
 * its delivery attempts): it stops holding the single flight, so a new run can be requested.
 */
export const QUEUED_EXPIRY_MS = 60 * 60_000;

/** The body of POST /v1/sync/reconciliations. */
export const startRunBodySchema = z
  .strictObject({
    mode: z.enum(['INCREMENTAL', 'FULL']),
    /** Only these customers, each one checked (a FULL run over a list). */
    customerIds: z.array(customerIdSchema).min(1).max(MAX_REQUEST_CUSTOMERS).optional(),
    dryRun: z.boolean().default(false),
  })
  .refine((b) => b.customerIds === undefined || b.mode === 'FULL', {
    path: ['mode'],
    message: 'must be FULL with customerIds: every listed customer is checked',
  });
export type StartRunBody = z.output<typeof startRunBodySchema>;

export function requestOfBody(body: StartRunBody): ReconcileRequest {
  const common = { trigger: 'OPERATOR' as const, dryRun: body.dryRun };
  return body.customerIds ? { customerIds: [...new Set(body.customerIds)], ...common } : { all: true, mode: body.mode, ...common };
}

/**
 * Queues a run for the reconcile worker and returns its id at once. The worker owns the run's
 * execution (and a dry run's HubSpot reads); the single flight holds across both: under the run
 * lock, no single-flight run may be running or queued. Holding the lock, a RUNNING row has lost
 * its instance (a live run keeps the lock) and a QUEUED row older than QUEUED_EXPIRY_MS was never
 * picked up; neither blocks. 409 RUN_IN_PROGRESS names the run that does.
 */
export async function queueRun(deps: RunRequestDeps, request: ReconcileRequest, startedBy: string): Promise<{ runId: string }> {
  const now = (deps.now ?? systemClock)();
  const locked = await withRunLock(deps.db, () =>
    inTransaction(deps.db, async (tx) => {
      await failAbandonedRuns(tx, null, now);
      await expireQueuedRuns(tx, new Date(now.getTime() - QUEUED_EXPIRY_MS), now);
      const busy = await runInProgress(tx);
      if (busy) return { busy };
      const run = await insertRun(tx, request, initialCursor(null, request, null), null, { status: 'QUEUED', startedBy });
      return { runId: run.id };
    }),
  );
  const busy = locked.acquired ? locked.value.busy : await runInProgress(deps.db);
  if (!locked.acquired || busy) {
    throw new AppError('RUN_IN_PROGRESS', 'A reconciliation run is already in progress', { runId: busy ?? null });
  }
  const runId = locked.value.runId!;
  await publishQueuedRun(deps, runId, { runId }, { finish: finishRun, logName: 'reconciliation run', answerName: 'The reconciliation' });
  deps.log.info('reconciliation run queued', { runId, request, startedBy });
  return { runId };
}

/** A kind of queued run (reconciliation or match): how it is marked FAILED and named. */
export interface QueuedRunKind {
  finish: (db: Db, id: string, outcome: RunOutcome, now: Date) => Promise<void>;
  /** How the log names the run ('match run'). */
  logName: string;
  /** How the 503 names it ('The match run'). */
  answerName: string;
}

/**
 * After the queueing transaction commits, the run's request goes to the reconcile topic; a publish
 * that fails marks the run FAILED (it no longer holds the single flight) and answers 503.
 */
export async function publishQueuedRun(deps: RunRequestDeps, runId: string, message: object, kind: QueuedRunKind): Promise<void> {
  try {
    await deps.publisher.publish(deps.topic, message);
  } catch (err) {
    await kind.finish(
      deps.db,
      runId,
      { status: 'FAILED', error: `the request could not be published: ${(err as Error).message}` },
      new Date(),
    );
    deps.log.error(`${kind.logName} could not be queued`, { runId, err });
    throw new AppError('SERVICE_UNAVAILABLE', `${kind.answerName} could not be queued; try again`, undefined, { cause: err });
  }
}
