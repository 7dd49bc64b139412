import type { ReconcileConfig } from '../../shared/config/reconcile-config.js';
import { createCallCounter, createHubspotClient } from '../../shared/hubspot/client/index.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';
import type { ReconcileDeps } from '../../shared/reconciliation/run-reconciliation.js';

/** The reconciliation worker's dependencies for its configuration; nothing connects before the first use. */
export function buildReconcileDeps(config: ReconcileConfig): ReconcileDeps {
  const { db, log } = workerRuntime(config, 'reconcile');
  const calls = createCallCounter();
  const { accessToken, appId, client } = config.hubspot;
  const hubspot = createHubspotClient(client, { db, logger: log, accessToken, onCall: calls.onCall });
  return {
    db,
    companies: hubspot.companies,
    hubspotAppId: appId,
    hubspotCalls: () => calls.total,
    outbox: { db, publisher: createPubSubPublisher(), topic: config.outboxTopic },
    log,
    options: config.reconcile,
  };
}
