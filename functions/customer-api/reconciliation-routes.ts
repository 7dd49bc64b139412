import type { PubSub } from '@google-cloud/pubsub';
import { z } from 'zod';
import type { Db } from '../../shared/db/database.js';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData } from '../../shared/http/envelope.js';
import { readJsonBody } from '../../shared/http/json-body.js';
import type { Route } from '../../shared/http/router.js';
import type { Logger } from '../../shared/logging/logger.js';
import { parseOrThrow } from '../../shared/customers/validation.js';
import { deadLetterSubscriptionSchema, replayMaxSchema, replayResultSchema } from '../../shared/pubsub/dead-letters.js';
import { replayDeadLettersFor } from '../../shared/pubsub/dead-letters-replay.js';
import type { MessagePublisher } from '../../shared/pubsub/publisher.js';
import { queueRun, requestOfBody, startRunBodySchema } from '../../shared/reconciliation/run-requests.js';
import {
  diffPageSchema,
  diffQuerySchema,
  getRun,
  listDiff,
  listRuns,
  runIdParams,
  runListQuerySchema,
  runPageSchema,
  runViewSchema,
} from '../../shared/reconciliation/run-views.js';
import type { RouteHandler } from './routes.js';

export interface ReconciliationRouteDeps {
  db: Db;
  log: Logger;
  /** Where runs are queued for the reconcile worker; without it POST answers 503. */
  reconcile?: { publisher: MessagePublisher; topic: string };
  /** Pulls and republishes dead letters; without it the replay answers 503. */
  pubsub?: PubSub;
}

const replayBodySchema = z.strictObject({ subscription: deadLetterSubscriptionSchema, max: replayMaxSchema.default(100) });

function unavailable(what: string): AppError {
  return new AppError('SERVICE_UNAVAILABLE', `${what} is not configured on this instance`);
}

/** What queueing a run needs (match runs too): 503 where this instance has no reconcile topic. */
export function runQueue(deps: Pick<ReconciliationRouteDeps, 'db' | 'log' | 'reconcile'>) {
  if (!deps.reconcile) throw unavailable('Pub/Sub');
  return { db: deps.db, log: deps.log, ...deps.reconcile };
}

/** Reconciliation runs, dry-run reports and dead-letter replay (global operations: /api/v1/sync/*). */
export function reconciliationRoutes(deps: ReconciliationRouteDeps): Route<RouteHandler>[] {
  return [
    {
      method: 'POST',
      pattern: '/sync/reconciliations',
      handler: {
        doc: {
          operationId: 'startReconciliation',
          summary: 'Start a reconciliation run (or a dry run) for the reconcile worker',
          description: 'The same run a Pub/Sub reconcile request starts. One run over many customers at a time.',
          tag: 'sync',
          body: startRunBodySchema,
          responses: { 202: { description: 'Queued; follow it at /v1/sync/reconciliations/{id}', data: runViewSchema } },
          errors: ['VALIDATION_FAILED', 'RUN_IN_PROGRESS', 'SERVICE_UNAVAILABLE'],
        },
        async run({ req, res, principal }) {
          const body = parseOrThrow(startRunBodySchema, readJsonBody(req), 'reconciliation request');
          const { runId } = await queueRun(runQueue(deps), requestOfBody(body), principal.userId);
          sendData(res, 202, await getRun(deps.db, runId));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/sync/reconciliations',
      handler: {
        doc: {
          operationId: 'listReconciliations',
          summary: 'Reconciliation runs, newest first',
          tag: 'sync',
          query: runListQuerySchema,
          responses: { 200: { description: 'One page of runs', data: runPageSchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await listRuns(deps.db, parseOrThrow(runListQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/reconciliations/:id',
      handler: {
        doc: {
          operationId: 'getReconciliation',
          summary: 'A reconciliation run: status, progress, counts, error',
          tag: 'sync',
          params: runIdParams,
          responses: { 200: { description: 'The run', data: runViewSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
        },
        run: async ({ res, params }) => sendData(res, 200, await getRun(deps.db, parseOrThrow(runIdParams, params, 'path parameter').id)),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/reconciliations/:id/diff',
      handler: {
        doc: {
          operationId: 'getReconciliationDiff',
          summary: "A dry run's report: per customer and field, both values and what a sync would do",
          tag: 'sync',
          params: runIdParams,
          query: diffQuerySchema,
          responses: { 200: { description: 'One page of the report', data: diffPageSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
        },
        async run({ req, res, params }) {
          const { id } = parseOrThrow(runIdParams, params, 'path parameter');
          sendData(res, 200, await listDiff(deps.db, id, parseOrThrow(diffQuerySchema, req.query, 'query')));
        },
      },
    },
    {
      method: 'POST',
      pattern: '/sync/dead-letters/replay',
      handler: {
        doc: {
          operationId: 'replayDeadLetters',
          summary: 'Republish dead letters to their topic (original ordering key and attributes), acking each after its publish',
          tag: 'sync',
          body: replayBodySchema,
          responses: { 200: { description: 'What was replayed', data: replayResultSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'SERVICE_UNAVAILABLE'],
        },
        async run({ req, res, principal }) {
          const body = parseOrThrow(replayBodySchema, readJsonBody(req), 'replay request');
          if (!deps.pubsub) throw unavailable('Pub/Sub');
          sendData(
            res,
            200,
            await replayDeadLettersFor({ db: deps.db, log: deps.log, pubsub: deps.pubsub }, body.subscription, body.max, principal.userId),
          );
        },
      },
    },
  ];
}
