import { loadReconcileConfig } from '../../shared/config/reconcile-config.js';
import type { Env } from '../../shared/config/parse-env.js';
import { requireSecret, secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import { createCallCounter, createHubspotClient, hubspotClientConfigFromEnv } from '../../shared/hubspot/client/index.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';
import type { ReconcileDeps } from '../../shared/reconciliation/run-reconciliation.js';

/** The reconciliation worker's dependencies from the environment (and Secret Manager in production). */
export async function buildReconcileDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<ReconcileDeps> {
  const config = await loadReconcileConfig(env, reader);
  const { db, log } = workerRuntime(config, 'reconcile');
  // Reads only: a token of the read-scoped private app (least privilege; field-sync alone writes).
  const accessToken = await requireSecret(env, 'HUBSPOT_READ_TOKEN', reader);
  const calls = createCallCounter();
  const hubspot = createHubspotClient(hubspotClientConfigFromEnv(config), { db, logger: log, accessToken, onCall: calls.onCall });
  return {
    db,
    companies: hubspot.companies,
    hubspotAppId: config.HUBSPOT_APP_ID,
    hubspotCalls: () => calls.total,
    outbox: { db, publisher: createPubSubPublisher(), topic: config.OUTBOX_TOPIC },
    log,
    options: {
      chunkSize: config.RECONCILE_CHUNK_SIZE,
      overlapMs: config.RECONCILE_OVERLAP_MS,
      searchPageSize: config.RECONCILE_SEARCH_PAGE_SIZE,
      claimLeaseMs: config.FIELD_SYNC_CLAIM_LEASE_MS,
    },
  };
}
