import { loadInboundConfig } from '../../shared/config/inbound-config.js';
import { resolveSecret, secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import type { Env } from '../../shared/config/parse-env.js';
import { createHubspotClient, hubspotClientConfigFromEnv } from '../../shared/hubspot/client/index.js';
import type { InboundDeps } from '../../shared/inbound-sync/process-webhook-event.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The processor's dependencies from the environment (and Secret Manager in production). */
export async function buildInboundDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<InboundDeps> {
  const config = await loadInboundConfig(env, reader);
  const { db, log } = workerRuntime(config, 'hubspot-inbound');
  const accessToken = await resolveSecret(env, 'HUBSPOT_ACCESS_TOKEN', reader);
  if (!accessToken) throw new Error('HUBSPOT_ACCESS_TOKEN (or HUBSPOT_ACCESS_TOKEN_SECRET) is required');
  const hubspot = createHubspotClient(hubspotClientConfigFromEnv(config), { db, logger: log, accessToken });
  return {
    db,
    companies: hubspot.companies,
    outbox: { db, publisher: createPubSubPublisher(), topic: config.OUTBOX_TOPIC },
    log,
    maxAttempts: config.INBOUND_MAX_ATTEMPTS,
  };
}
