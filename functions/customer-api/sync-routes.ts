import { z } from 'zod';
import type { Principal } from '../../shared/auth/principal.js';
import { permits } from '../../shared/auth/resource-permissions.js';
import type { Db } from '../../shared/db/database.js';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData, sendJsonText } from '../../shared/http/envelope.js';
import { readJsonBody } from '../../shared/http/json-body.js';
import type { Route } from '../../shared/http/router.js';
import type { Logger } from '../../shared/logging/logger.js';
import { customerIdParams } from '../../shared/customers/query-schemas.js';
import { customerIsVisible } from '../../shared/customers/repository.js';
import { parseOrThrow } from '../../shared/customers/validation.js';
import type { ResyncPublishing } from '../../shared/sync-admin/operator-resync.js';
import {
  conflictPageSchema,
  conflictResolvedSchema,
  conflictsQuerySchema,
  listConflicts,
  resolveConflictAs,
  resolveConflictBodySchema,
} from '../../shared/sync-ops/conflicts.js';
import {
  customerSyncQuerySchema,
  customerSyncView,
  customerSyncViewSchema,
  forceResync,
  resyncAcceptedSchema,
} from '../../shared/sync-ops/customer-sync.js';
import {
  failuresQuerySchema,
  failuresSchema,
  listFailures,
  retryBodySchema,
  retryFailures,
  retryResultSchema,
  type EventPublishing,
} from '../../shared/sync-ops/failures.js';
import {
  customerMappingParams,
  deleteCustomerOverride,
  ifMatchHeaders,
  mappingBodySchema,
  mappingFieldParams,
  mappingSavedSchema,
  mappingSetSchema,
  mappingsQuerySchema,
  readMappingSet,
  saveCustomerOverride,
  saveGlobalMapping,
} from '../../shared/sync-ops/mappings.js';
import type { ScheduledJobReader } from '../../shared/sync-ops/scheduled-job.js';
import { syncStatus, syncStatusSchema, type RateBudgetView } from '../../shared/sync-ops/status.js';
import { listSyncLog, syncLogPageSchema, syncLogQuerySchema } from '../../shared/sync-ops/sync-log.js';
import { activityQuerySchema, syncActivity, syncActivitySchema } from '../../shared/sync-ops/activity.js';
import { RATE_BUDGET_DEFAULTS } from '../../shared/hubspot/client/rate-budget.js';
import { customerIdOf, header, idempotencyKeyHeader, type RouteContext, type RouteHandler } from './routes.js';

/** What the sync operations need beyond the database; each is optional (tests and local runs go without). */
export interface SyncOperationsDeps {
  /** Publishes operator RESYNCs and retried outbox rows at once; without it the outbox relay sends them. */
  outboxPublishing?: ResyncPublishing;
  /** Republishes retried webhook events at once; without it the webhook relay sends them. */
  eventPublishing?: EventPublishing;
  /** The reconciliation's Cloud Scheduler job; absent: the status has no next run. */
  scheduler?: ScheduledJobReader;
  /** The HubSpot budget the workers share (key and window); defaults to the clients' defaults. */
  rateBudget?: RateBudgetView;
}

const DEFAULT_BUDGET: RateBudgetView = {
  key: RATE_BUDGET_DEFAULTS.key,
  maxPerWindow: RATE_BUDGET_DEFAULTS.maxPerWindow,
  windowMs: RATE_BUDGET_DEFAULTS.windowMs,
};

/** Mapping overrides steer the sync: changing one takes the global operations permission, not only the customer's. */
const SYNC_OPERATIONS_PATH = '/api/v1/sync/mappings';
async function requireMappingEditor(db: Db, principal: Principal, customerId: string): Promise<void> {
  if (!permits(principal.permissions, SYNC_OPERATIONS_PATH))
    throw new AppError('FORBIDDEN', 'Changing a mapping needs the sync operations permission');
  if (!(await customerIsVisible(db, principal.customerScope, customerId))) throw new AppError('NOT_FOUND', 'Customer not found');
}

const idempotencyHeaders = z.object({ 'idempotency-key': idempotencyKeyHeader });

/** The sync operations endpoints (paths relative to the optional /v1 prefix). */
export function syncRoutes(deps: { db: Db; log: Logger } & SyncOperationsDeps): Route<RouteHandler>[] {
  const { db } = deps;
  const budget = deps.rateBudget ?? DEFAULT_BUDGET;
  const ifMatchOf = (ctx: RouteContext) => parseOrThrow(ifMatchHeaders, { 'if-match': header(ctx.req, 'if-match') }, 'header')['if-match'];
  const mappingBody = (ctx: RouteContext) => parseOrThrow(mappingBodySchema, readJsonBody(ctx.req), 'mapping');

  return [
    {
      method: 'GET',
      pattern: '/sync/status',
      handler: {
        doc: {
          operationId: 'getSyncStatus',
          summary: 'Is the sync healthy: backlog, failures, conflicts, links needing attention, rate budget, reconciliation',
          tag: 'sync',
          responses: { 200: { description: 'The sync status', data: syncStatusSchema } },
          errors: [],
        },
        run: async ({ res }) => sendData(res, 200, await syncStatus({ db, budget, scheduler: deps.scheduler, log: deps.log })),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/log',
      handler: {
        doc: {
          operationId: 'listSyncLog',
          summary: 'The sync log, newest first, keyset-paged',
          tag: 'sync',
          query: syncLogQuerySchema,
          responses: { 200: { description: 'One page of the sync log', data: syncLogPageSchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await listSyncLog(db, parseOrThrow(syncLogQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/activity',
      handler: {
        doc: {
          operationId: 'getSyncActivity',
          summary: 'Sync operations per minute by status over the last hours, from the sync log',
          tag: 'sync',
          query: activityQuerySchema,
          responses: { 200: { description: 'Counts per minute and status', data: syncActivitySchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await syncActivity(db, parseOrThrow(activityQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'GET',
      pattern: '/sync/conflicts',
      handler: {
        doc: {
          operationId: 'listSyncConflicts',
          summary: 'Open MANUAL conflicts, oldest first, by customer and field',
          tag: 'sync',
          query: conflictsQuerySchema,
          responses: { 200: { description: 'One page of open conflicts', data: conflictPageSchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await listConflicts(db, parseOrThrow(conflictsQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'POST',
      pattern: '/sync/conflicts/resolve',
      handler: {
        doc: {
          operationId: 'resolveSyncConflict',
          summary: "Settles a MANUAL conflict with one side's value; the caller is recorded as the resolver",
          tag: 'sync',
          body: resolveConflictBodySchema,
          responses: { 200: { description: 'Resolved; a RESYNC carries the value over', data: conflictResolvedSchema } },
          errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'CONFLICT'],
        },
        async run({ req, res, principal }) {
          const body = parseOrThrow(resolveConflictBodySchema, readJsonBody(req), 'conflict resolution');
          sendData(res, 200, await resolveConflictAs(db, principal, body, deps.outboxPublishing));
        },
      },
    },
    {
      method: 'GET',
      pattern: '/sync/mappings',
      handler: {
        doc: {
          operationId: 'getSyncMappings',
          summary: "The global mapping, or a customer's effective one with its overrides marked",
          tag: 'sync',
          query: mappingsQuerySchema,
          responses: {
            200: { description: 'The mapping set; its ETag goes in If-Match on writes', data: mappingSetSchema, headers: ['ETag'] },
          },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
        },
        async run({ req, res }) {
          const { customerId } = parseOrThrow(mappingsQuerySchema, req.query, 'query');
          const set = await readMappingSet(db, customerId);
          sendData(res, 200, set.data, { ETag: set.etag });
        },
      },
    },
    {
      method: 'PUT',
      pattern: '/sync/mappings/:field',
      handler: {
        doc: {
          operationId: 'putSyncMapping',
          summary: 'Saves the global mapping of one WARP field, validated as the worker validates it',
          tag: 'sync',
          params: mappingFieldParams,
          headers: ifMatchHeaders,
          body: mappingBodySchema,
          responses: { 200: { description: "Saved; the ETag is the set's new one", data: mappingSavedSchema, headers: ['ETag'] } },
          errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_MAPPING', 'PRECONDITION_FAILED'],
        },
        async run(ctx) {
          const { field } = parseOrThrow(mappingFieldParams, ctx.params, 'path parameter');
          const ifMatch = ifMatchOf(ctx);
          const saved = await saveGlobalMapping(db, ctx.principal, field, mappingBody(ctx), { ifMatch });
          sendData(ctx.res, 200, saved.data, { ETag: saved.etag });
        },
      },
    },
    {
      method: 'GET',
      pattern: '/sync/failures',
      handler: {
        doc: {
          operationId: 'listSyncFailures',
          summary: 'Outbox rows and webhook events that failed for good, newest first, each paged',
          tag: 'sync',
          query: failuresQuerySchema,
          responses: { 200: { description: 'Failures', data: failuresSchema } },
          errors: ['VALIDATION_FAILED'],
        },
        run: async ({ req, res }) => sendData(res, 200, await listFailures(db, parseOrThrow(failuresQuerySchema, req.query, 'query'))),
      },
    },
    {
      method: 'POST',
      pattern: '/sync/failures/retry',
      handler: {
        doc: {
          operationId: 'retrySyncFailures',
          summary: 'Puts failed outbox rows and webhook events back to work',
          tag: 'sync',
          body: retryBodySchema,
          responses: { 200: { description: 'What was put back, published, and left', data: retryResultSchema } },
          errors: ['VALIDATION_FAILED', 'INVALID_JSON'],
        },
        async run({ req, res, principal }) {
          const body = parseOrThrow(retryBodySchema, readJsonBody(req), 'retry');
          sendData(
            res,
            200,
            await retryFailures(
              { db, log: deps.log, outboxPublishing: deps.outboxPublishing, eventPublishing: deps.eventPublishing },
              principal,
              body,
            ),
          );
        },
      },
    },
    {
      method: 'GET',
      pattern: '/customers/:id/sync',
      handler: {
        doc: {
          operationId: 'getCustomerSync',
          summary: "One customer's sync: every mapped field on both sides, its company link, its latest sync log",
          tag: 'sync',
          params: customerIdParams,
          query: customerSyncQuerySchema,
          responses: { 200: { description: "The customer's sync view", data: customerSyncViewSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND'],
        },
        async run(ctx) {
          const id = customerIdOf(ctx);
          const { logCursor } = parseOrThrow(customerSyncQuerySchema, ctx.req.query, 'query');
          sendData(ctx.res, 200, await customerSyncView(db, ctx.principal, id, logCursor));
        },
      },
    },
    {
      method: 'POST',
      pattern: '/customers/:id/sync',
      handler: {
        doc: {
          operationId: 'resyncCustomer',
          summary: 'Forces a resync of one customer (Idempotency-Key honoured)',
          tag: 'sync',
          params: customerIdParams,
          headers: idempotencyHeaders,
          responses: { 202: { description: 'The RESYNC is queued', data: resyncAcceptedSchema } },
          errors: ['VALIDATION_FAILED', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED'],
        },
        async run(ctx) {
          const id = customerIdOf(ctx);
          const key = parseOrThrow(idempotencyKeyHeader, header(ctx.req, 'idempotency-key'), 'header', 'Idempotency-Key');
          const response = await forceResync(db, ctx.principal, id, { idempotencyKey: key, publishing: deps.outboxPublishing });
          sendJsonText(ctx.res, response.status, response.body);
        },
      },
    },
    {
      method: 'PUT',
      pattern: '/customers/:id/sync/mappings/:field',
      handler: {
        doc: {
          operationId: 'putCustomerSyncMapping',
          summary: "Saves a customer's override of one field's mapping; a change resyncs the customer",
          tag: 'sync',
          params: customerMappingParams,
          headers: ifMatchHeaders,
          body: mappingBodySchema,
          responses: { 200: { description: "Saved; the ETag is the set's new one", data: mappingSavedSchema, headers: ['ETag'] } },
          errors: ['VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_MAPPING', 'PRECONDITION_FAILED', 'NOT_FOUND', 'FORBIDDEN'],
        },
        async run(ctx) {
          const { id, field } = parseOrThrow(customerMappingParams, ctx.params, 'path parameter');
          await requireMappingEditor(db, ctx.principal, id);
          const ifMatch = ifMatchOf(ctx);
          const saved = await saveCustomerOverride(db, ctx.principal, id, field, mappingBody(ctx), {
            ifMatch,
            publishing: deps.outboxPublishing,
          });
          sendData(ctx.res, 200, saved.data, { ETag: saved.etag });
        },
      },
    },
    {
      method: 'DELETE',
      pattern: '/customers/:id/sync/mappings/:field',
      handler: {
        doc: {
          operationId: 'deleteCustomerSyncMapping',
          summary: "Removes a customer's override of one field: it follows the global mapping again",
          tag: 'sync',
          params: customerMappingParams,
          headers: ifMatchHeaders,
          responses: { 200: { description: "Removed; the ETag is the set's new one", data: mappingSavedSchema, headers: ['ETag'] } },
          errors: ['VALIDATION_FAILED', 'PRECONDITION_FAILED', 'NOT_FOUND', 'FORBIDDEN'],
        },
        async run(ctx) {
          const { id, field } = parseOrThrow(customerMappingParams, ctx.params, 'path parameter');
          await requireMappingEditor(db, ctx.principal, id);
          const removed = await deleteCustomerOverride(db, ctx.principal, id, field, {
            ifMatch: ifMatchOf(ctx),
            publishing: deps.outboxPublishing,
          });
          sendData(ctx.res, 200, removed.data, { ETag: removed.etag });
        },
      },
    },
  ];
}
