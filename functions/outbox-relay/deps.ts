import type { OutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import type { OutboxRelayDeps } from '../../shared/outbox/relay-handler.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The relay tick's dependencies: outbox rows and stored webhook events, through one publisher. */
export function buildOutboxRelayDeps(config: OutboxRelayConfig): OutboxRelayDeps {
  return outboxRelayDeps(config, { ...workerRuntime(config, 'outbox-relay'), publisher: createPubSubPublisher() });
}

/** The same over a pool, logger and publisher given by the caller (a bench's or test's). */
export function outboxRelayDeps(config: OutboxRelayConfig, runtime: Pick<OutboxRelayDeps, 'db' | 'log' | 'publisher'>): OutboxRelayDeps {
  return {
    ...runtime,
    options: { topic: config.outboxTopic, ...config.relay },
    webhookEvents: { topic: config.hubspotEventsTopic, ...config.webhookRelay },
    retention: config.retention,
  };
}
