import { sendData } from '../../shared/http/envelope.js';
import { readJsonBody } from '../../shared/http/json-body.js';
import type { Route } from '../../shared/http/router.js';
import { parseOrThrow } from '../../shared/customers/validation.js';
import { applyMatchBodySchema, queueMatchApply, queueMatchRun, startMatchBodySchema } from '../../shared/matching/match-run-requests.js';
import {
  getMatchRun,
  listMatchRuns,
  listProposals,
  matchReportQuerySchema,
  matchRunPageSchema,
  matchRunViewSchema,
  matchRunReportSchema,
} from '../../shared/matching/match-run-views.js';
import { runIdParams, runListQuerySchema } from '../../shared/reconciliation/run-views.js';
import { runQueue, type ReconciliationRouteDeps } from './reconciliation-routes.js';
import type { RouteHandler } from './routes.js';

/** Runs are queued on the reconcile topic, like reconciliations: without it the POSTs answer 503. */
export type MatchRouteDeps = Pick<ReconciliationRouteDeps, 'db' | 'log' | 'reconcile'>;

/** Match runs: onboarding a HubSpot portal whose companies already exist (global operations: /api/v1/sync/*). */
export function matchRoutes(deps: MatchRouteDeps): Route<RouteHandler>[] {
  return [
    {
      method: 'POST',
      pattern: '/sync/matches',
      handler: {
        doc: {
          operationId: 'startMatchRun',
          summary: 'Match every unlinked customer to an existing HubSpot company: a dry run reports, a real run links',
          description:
            'Queued for the reconcile worker, like `{"match":true}` on the reconcile topic. One match or reconciliation run at a time. ' +
            'A real run links only unambiguous proposals at or above minConfidence.',
          tag: 'sync',
          body: startMatchBodySchema,
          responses: { 202: { description: 'Queued; follow it at /v1/sync/matches/{id}', data: matchRunViewSchema } },
          errors: ['VALIDATION_FAILED', 'RUN_IN_PROGRESS', 'SERVICE_UNAVAILABLE'],
        },
        async run({ req, res, principal }) {
          const body = parseOrThrow(startMatchBodySchema, readJsonBody(req), 'match request');
          const { runId } = await queueMatchRun(runQueue(deps), body, principal.userId);
          sendData(res, 202, await getMatchRun(deps.db, runId));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/sync/matches',
      handler: {
        doc: {
          operationId: 'listMatchRuns',
          summary: 'Match runs, newest first',
          tag: 'sync',
          query: runListQuerySchema,
          responses: { 200: { description: 'One page of runs', data: matchRunPageSchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await listMatchRuns(deps.db, parseOrThrow(runListQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/matches/:id',
      handler: {
        doc: {
          operationId: 'getMatchRun',
          summary: 'A match run and one page of its report: per customer the proposal, rule, candidates, decision and what applying did',
          description:
            'The report is filtered by decision, rule, apply status or customer, and keyset-paged: pass report.nextCursor as cursor.',
          tag: 'sync',
          params: runIdParams,
          query: matchReportQuerySchema,
          responses: { 200: { description: 'The run with one page of its report', data: matchRunReportSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
        },
        async run({ req, res, params }) {
          const { id } = parseOrThrow(runIdParams, params, 'path parameter');
          const query = parseOrThrow(matchReportQuerySchema, req.query, 'query');
          const run = await getMatchRun(deps.db, id);
          sendData(res, 200, { ...run, report: await listProposals(deps.db, id, query) });
        },
      },
    },
    {
      method: 'POST',
      pattern: '/sync/matches/:id/apply',
      handler: {
        doc: {
          operationId: 'applyMatchRun',
          summary: "Link a reviewed dry run's proposals: every LINK decision, or only the chosen customers'",
          description:
            'Queued for the reconcile worker, which re-reads each company from ' +
            'HubSpot just before linking it. AMBIGUOUS proposals are never linked.',
          tag: 'sync',
          params: runIdParams,
          body: applyMatchBodySchema,
          responses: { 202: { description: 'Queued; follow it at /v1/sync/matches/{id}', data: matchRunViewSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT', 'RUN_IN_PROGRESS', 'SERVICE_UNAVAILABLE'],
        },
        async run({ req, res, params, principal }) {
          const { id } = parseOrThrow(runIdParams, params, 'path parameter');
          const body = parseOrThrow(applyMatchBodySchema, readJsonBody(req), 'apply request');
          await queueMatchApply(runQueue(deps), id, body, principal.userId);
          sendData(res, 202, await getMatchRun(deps.db, id));
        },
      },
    },
  ];
}
