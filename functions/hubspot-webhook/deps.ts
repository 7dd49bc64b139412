import { PubSub } from '@google-cloud/pubsub';
import { loadWebhookConfig, loadWebhookSecrets } from '../../shared/config/webhook-config.js';
import type { Env } from '../../shared/config/parse-env.js';
import { secretManagerReader, type SecretReader } from '../../shared/config/secrets.js';
import { createDb } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubBatchPublisher } from '../../shared/webhooks/batch-publisher.js';
import type { WebhookIntakeDeps } from '../../shared/webhooks/intake.js';

/** Everything the intake needs, from the environment (and Secret Manager in production). */
export async function buildWebhookDeps(env: Env, reader: SecretReader = secretManagerReader()): Promise<WebhookIntakeDeps> {
  const config = loadWebhookConfig(env);
  const secrets = await loadWebhookSecrets(env, reader);
  return {
    db: createDb({
      connectionString: secrets.databaseUrl,
      maxConnections: config.dbMaxConnections,
      applicationName: 'hubspot-webhook',
    }),
    // Honours PUBSUB_EMULATOR_HOST by itself.
    publisher: createPubSubBatchPublisher(new PubSub()),
    logger: createLogger({ level: config.logLevel, projectId: config.projectId, bindings: { component: 'hubspot-webhook' } }),
    clientSecret: secrets.clientSecret,
    publicUrl: config.publicUrl,
    acceptedVersions: config.acceptedVersions,
    topic: config.topic,
    maxBodyBytes: config.maxBodyBytes,
    now: Date.now,
  };
}

/**
 * Builds on first use and keeps the result for the instance's life; a failed
 * build is forgotten so the next request tries again instead of failing forever.
 */
export function lazily<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
