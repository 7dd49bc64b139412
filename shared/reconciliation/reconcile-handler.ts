import type { CloudEvent } from '@google-cloud/functions-framework';
import { decodePubSubEvent } from '../field-sync/pubsub-cloud-event.js';
import { reconcileRequestSchema } from './reconcile-request.js';
import { reconcile, type ReconcileDeps } from './run-reconciliation.js';

/**
 * The CloudEvent handler behind functions/reconcile (push subscription on the reconcile request
 * topic). Returning acks the request; throwing makes Pub/Sub redeliver it, and the redelivery
 * resumes the failed run where it stopped.
 */
export function createReconcileHandler(getDeps: () => Promise<ReconcileDeps>) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const deps = await getDeps();
    const decoded = decodePubSubEvent(event.data, reconcileRequestSchema);
    if (!decoded.ok) {
      // Redelivery cannot fix a malformed request; it is logged loudly, then acked.
      deps.log.error('reconcile request rejected', { reason: decoded.reason, eventId: event.id });
      return;
    }
    await reconcile(deps, decoded.value, decoded.messageId ?? event.id);
  };
}
