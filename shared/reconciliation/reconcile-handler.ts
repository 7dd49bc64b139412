import { createPubSubHandler } from '../pubsub/message-handler.js';
import { reconcileMessageSchema } from './reconcile-request.js';
import { reconcile, type ReconcileDeps } from './run-reconciliation.js';

/**
 * The CloudEvent handler behind functions/reconcile (push subscription on the reconcile request
 * topic). A redelivered request resumes the failed run where it stopped.
 */
export function createReconcileHandler(getDeps: () => Promise<ReconcileDeps>) {
  return createPubSubHandler({
    rejectedMessage: 'reconcile request rejected',
    schema: reconcileMessageSchema,
    getDeps,
    onMessage: reconcile,
  });
}
