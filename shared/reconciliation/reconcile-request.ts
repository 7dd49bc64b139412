import { z } from 'zod';
import type { OutboxOrigin } from '../db/tables/hubspot-sync.js';

/** The topic Cloud Scheduler and operators publish reconcile requests to. */
export const DEFAULT_RECONCILE_TOPIC = 'hubspot-reconcile-requests';

/** Who asked: the daily Cloud Scheduler job says SCHEDULER in its message; anyone else is an operator. */
const triggerSchema = z.enum(['SCHEDULER', 'OPERATOR']).default('OPERATOR');

/** A dry run plans and reports, and writes nothing to customers, HubSpot or the outbox. */
const dryRunSchema = z.boolean().default(false);

/** The most customers one request may name (the API's `customerIds`). */
export const MAX_REQUEST_CUSTOMERS = 1000;

/**
 * A reconcile request, as published with `gcloud pubsub topics publish`:
 * - `{"customerId":"<uuid>"}` resyncs one customer;
 * - `{"all":true}` resyncs every customer that may have been missed since the last successful
 *   run over all customers (when there was none, it runs as FULL does);
 * - `{"all":true,"mode":"FULL"}` compares every customer with its HubSpot company (each listed
 *   once) and resyncs those that differ, have no live company or none at all;
 * - `{"customerIds":["<uuid>",...]}` resyncs those customers;
 * - `"dryRun":true` on any of them plans instead and stores the diff report.
 * Unknown fields are refused, so a typo never silently turns into another kind of run.
 */
export const reconcileRequestSchema = z.union([
  z.strictObject({ customerId: z.uuid(), trigger: triggerSchema, dryRun: dryRunSchema }),
  z.strictObject({
    all: z.literal(true),
    mode: z.enum(['INCREMENTAL', 'FULL']).default('INCREMENTAL'),
    trigger: triggerSchema,
    dryRun: dryRunSchema,
  }),
  z.strictObject({ customerIds: z.array(z.uuid()).min(1).max(MAX_REQUEST_CUSTOMERS), trigger: triggerSchema, dryRun: dryRunSchema }),
]);

/**
 * What the reconcile topic carries: a request, or `{"runId":"<id>"}` for a run the sync API
 * queued (its row holds the request; the worker picks it up by id).
 */
export const reconcileMessageSchema = z.union([reconcileRequestSchema, z.strictObject({ runId: z.string().regex(/^[1-9]\d{0,18}$/) })]);
export type ReconcileMessage = z.output<typeof reconcileMessageSchema>;

export type ReconcileRequest = z.output<typeof reconcileRequestSchema>;
export type AllCustomersRequest = Extract<ReconcileRequest, { all: true }>;
export type ListedCustomersRequest = Extract<ReconcileRequest, { customerIds: string[] }>;
export type OneCustomerRequest = Extract<ReconcileRequest, { customerId: string }>;

/** The outbox origin of the RESYNC rows a request enqueues. */
export function resyncOrigin(request: ReconcileRequest): Extract<OutboxOrigin, 'RECONCILIATION' | 'OPERATOR'> {
  return request.trigger === 'SCHEDULER' ? 'RECONCILIATION' : 'OPERATOR';
}

/**
 * One customer's resync takes no run lock: it is one short transaction, and must not be refused
 * because the daily run happens to be going. Every other run is single flight.
 */
export const isSingleFlight = (request: ReconcileRequest): boolean => !('customerId' in request);
