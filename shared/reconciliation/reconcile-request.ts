import { z } from 'zod';
import type { OutboxOrigin } from '../db/tables/hubspot-sync.js';

/** The topic Cloud Scheduler and operators publish reconcile requests to. */
export const DEFAULT_RECONCILE_TOPIC = 'hubspot-reconcile-requests';

/** Who asked: the daily Cloud Scheduler job says SCHEDULER in its message; anyone else is an operator. */
const triggerSchema = z.enum(['SCHEDULER', 'OPERATOR']).default('OPERATOR');

/**
 * A reconcile request, as published with `gcloud pubsub topics publish`:
 * - `{"customerId":"<uuid>"}` resyncs one customer;
 * - `{"all":true}` resyncs every customer that may have been missed since the last successful
 *   run over all customers (every customer when there was none);
 * - `{"all":true,"mode":"FULL"}` resyncs every customer.
 * Unknown fields are refused, so a typo never silently turns into another kind of run.
 */
export const reconcileRequestSchema = z.union([
  z.strictObject({ customerId: z.uuid(), trigger: triggerSchema }),
  z.strictObject({ all: z.literal(true), mode: z.enum(['INCREMENTAL', 'FULL']).default('INCREMENTAL'), trigger: triggerSchema }),
]);

export type ReconcileRequest = z.output<typeof reconcileRequestSchema>;
export type AllCustomersRequest = Extract<ReconcileRequest, { all: true }>;
export type OneCustomerRequest = Extract<ReconcileRequest, { customerId: string }>;

/** The outbox origin of the RESYNC rows a request enqueues. */
export function resyncOrigin(request: ReconcileRequest): Extract<OutboxOrigin, 'RECONCILIATION' | 'OPERATOR'> {
  return request.trigger === 'SCHEDULER' ? 'RECONCILIATION' : 'OPERATOR';
}
