import { z } from 'zod';
import { runMatch } from '../matching/match-run.js';
import { matchMessageSchema } from '../matching/match-run-request.js';
import { createPubSubHandler } from '../pubsub/message-handler.js';
import { reconcileMessageSchema } from './reconcile-request.js';
import { reconcile, type ReconcileDeps } from './run-reconciliation.js';

/** The reconcile request topic also carries match runs (`{"match":true,...}`, `{"matchRunId":...}`). */
const requestTopicSchema = z.union([reconcileMessageSchema, matchMessageSchema]);

/**
 * The CloudEvent handler behind functions/reconcile (push subscription on the reconcile request
 * topic). A redelivered request resumes the failed run where it stopped.
 */
export function createReconcileHandler(getDeps: () => Promise<ReconcileDeps>) {
  return createPubSubHandler({
    rejectedMessage: 'reconcile request rejected',
    schema: requestTopicSchema,
    getDeps,
    onMessage: (deps, message, messageId) => {
      if (!('match' in message || 'matchRunId' in message)) return reconcile(deps, message, messageId);
      return runMatch(deps, message, messageId);
    },
  });
}
