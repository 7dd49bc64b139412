import { loadInboundConfig } from '../../shared/config/inbound-config.js';
import { requireSecret, secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import type { Env } from '../../shared/config/parse-env.js';
import { createHubspotClient, hubspotClientConfigFromEnv } from '../../shared/hubspot/client/index.js';
import type { InboundDeps } from '../../shared/inbound-sync/process-webhook-event.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The processor's dependencies from the environment (and Secret Manager in production). */
export async function buildInboundDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<InboundDeps> {
  const config = await loadInboundConfig(env, reader);
  const { db, log } = workerRuntime(config, 'hubspot-inbound');
  // Reads only: a token of the read-scoped private app (least privilege; field-sync alone writes).
  const accessToken = await requireSecret(env, 'HUBSPOT_READ_TOKEN', reader);
  const hubspot = createHubspotClient(hubspotClientConfigFromEnv(config), { db, logger: log, accessToken });
  return {
    db,
    companies: hubspot.companies,
    outbox: { db, publisher: createPubSubPublisher(), topic: config.OUTBOX_TOPIC },
    log,
    maxAttempts: config.INBOUND_MAX_ATTEMPTS,
  };
}
