import type { WebhookConfig } from '../../shared/config/webhook-config.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import type { WebhookIntakeDeps } from '../../shared/webhooks/intake.js';
import { systemClock } from '../../shared/runtime/clock.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** Everything the intake needs, for its configuration; nothing connects before the first request. */
export function buildWebhookDeps(config: WebhookConfig): WebhookIntakeDeps {
  const { db, log } = workerRuntime(config, 'hubspot-webhook');
  return {
    db,
    // Honours PUBSUB_EMULATOR_HOST by itself.
    publisher: createPubSubPublisher(),
    logger: log,
    ...config.webhook,
    topic: config.hubspotEventsTopic,
    now: systemClock,
  };
}
