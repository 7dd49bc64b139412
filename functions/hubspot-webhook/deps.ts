import { loadWebhookConfig, loadWebhookSecrets } from '../../shared/config/webhook-config.js';
import type { Env } from '../../shared/config/parse-env.js';
import { secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import { logConnectionErrors } from '../../shared/db/log-connection-errors.js';
import { createDb } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import type { WebhookIntakeDeps } from '../../shared/webhooks/intake.js';
import { systemClock } from '../../shared/runtime/clock.js';

/** Everything the intake needs, from the environment (and Secret Manager in production). */
export async function buildWebhookDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<WebhookIntakeDeps> {
  const config = loadWebhookConfig(env);
  const secrets = await loadWebhookSecrets(env, reader);
  const logger = createLogger({ level: config.logLevel, projectId: config.projectId, bindings: { component: 'hubspot-webhook' } });
  return {
    db: createDb({
      connectionString: secrets.databaseUrl,
      maxConnections: config.dbMaxConnections,
      applicationName: 'hubspot-webhook',
      onConnectionError: logConnectionErrors(logger),
    }),
    // Honours PUBSUB_EMULATOR_HOST by itself.
    publisher: createPubSubPublisher(),
    logger,
    clientSecret: secrets.clientSecret,
    publicUrl: config.publicUrl,
    acceptedVersions: config.acceptedVersions,
    topic: config.topic,
    maxBodyBytes: config.maxBodyBytes,
    now: systemClock,
  };
}

