import { loadInboundConfig } from '../../shared/config/inbound-config.js';
import { resolveSecret, secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import type { Env } from '../../shared/config/parse-env.js';
import { logConnectionErrors } from '../../shared/db/log-connection-errors.js';
import { createDb } from '../../shared/db/database.js';
import { createHubspotClient, hubspotClientConfigFromEnv } from '../../shared/hubspot/client/index.js';
import type { InboundDeps } from '../../shared/inbound-sync/process-webhook-event.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';

/** The processor's dependencies from the environment (and Secret Manager in production). */
export async function buildInboundDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<InboundDeps> {
  const config = await loadInboundConfig(env, reader);
  const log = createLogger({ level: config.LOG_LEVEL, projectId: config.GOOGLE_CLOUD_PROJECT, bindings: { component: 'hubspot-inbound' } });
  const db = createDb({
    connectionString: config.DATABASE_URL,
    maxConnections: config.DATABASE_MAX_CONNECTIONS,
    applicationName: 'hubspot-inbound',
    onConnectionError: logConnectionErrors(log),
  });
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
