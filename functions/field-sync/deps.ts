import { loadFieldSyncConfig, retentionPolicyOf, type FieldSyncConfig } from '../../shared/config/field-sync-config.js';
import type { Env } from '../../shared/config/parse-env.js';
import { requireSecret, secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import type { Db } from '../../shared/db/database.js';
import type { FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import type { OutboxRelayDeps } from '../../shared/outbox/relay-handler.js';
import { budgetWaitForLease } from '../../shared/outbound-sync/sync-deadline.js';
import { createHubspotClient, hubspotClientConfigFromEnv, RATE_BUDGET_DEFAULTS } from '../../shared/hubspot/client/index.js';
import type { Logger } from '../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

interface Instance {
  config: FieldSyncConfig;
  db: Db;
  log: Logger;
}

async function instance(env: Env, reader: SecretReader): Promise<Instance> {
  const config = await loadFieldSyncConfig(env, reader);
  return { config, ...workerRuntime(config, 'field-sync') };
}

/** The worker's dependencies from the environment (and Secret Manager in production). */
export async function buildFieldSyncDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<FieldSyncDeps> {
  const { config, db, log } = await instance(env, reader);
  const accessToken = await requireSecret(env, 'HUBSPOT_ACCESS_TOKEN', reader);
  const hubspotConfig = hubspotClientConfigFromEnv(config);
  // A batch holds its claim while it waits for the shared budget: keep each wait well inside the lease.
  hubspotConfig.budget.maxWaitMs = budgetWaitForLease(config.FIELD_SYNC_CLAIM_LEASE_MS, hubspotConfig.budget.maxWaitMs ?? RATE_BUDGET_DEFAULTS.maxWaitMs);
  const hubspot = createHubspotClient(hubspotConfig, { db, logger: log, accessToken });
  return {
    db,
    companies: hubspot.companies,
    log,
    options: {
      workerId: config.WORKER_ID,
      maxCustomers: config.FIELD_SYNC_BATCH_CUSTOMERS,
      leaseMs: config.FIELD_SYNC_CLAIM_LEASE_MS,
      retryDelayMs: config.FIELD_SYNC_RETRY_DELAY_MS,
      hubspotAppId: config.HUBSPOT_APP_ID,
      matchNewCustomers: config.FIELD_SYNC_MATCH_NEW_CUSTOMERS,
    },
  };
}

/** The relay tick's dependencies: outbox rows and stored webhook events, through one publisher. */
export async function buildOutboxRelayDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<OutboxRelayDeps> {
  const { config, db, log } = await instance(env, reader);
  return {
    db,
    publisher: createPubSubPublisher(),
    log,
    options: {
      topic: config.OUTBOX_TOPIC,
      graceMs: config.OUTBOX_RELAY_GRACE_MS,
      limit: config.OUTBOX_RELAY_LIMIT,
      stuckAfterMs: config.OUTBOX_RELAY_STUCK_MS,
      maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    },
    webhookEvents: {
      topic: config.HUBSPOT_EVENTS_TOPIC,
      olderThanMs: config.WEBHOOK_RELAY_GRACE_MS,
      limit: config.WEBHOOK_RELAY_LIMIT,
    },
    retention: retentionPolicyOf(config),
  };
}
