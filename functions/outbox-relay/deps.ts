import type { OutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import type { OutboxRelayDeps } from '../../shared/outbox/relay-handler.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The relay tick's dependencies: outbox rows and stored webhook events, through one publisher. */
export function buildOutboxRelayDeps(config: OutboxRelayConfig): OutboxRelayDeps {
  const { db, log } = workerRuntime(config, 'outbox-relay');
  return {
    db,
    publisher: createPubSubPublisher(),
    log,
    options: { topic: config.outboxTopic, ...config.relay },
    webhookEvents: { topic: config.hubspotEventsTopic, ...config.webhookRelay },
    retention: config.retention,
  };
}
