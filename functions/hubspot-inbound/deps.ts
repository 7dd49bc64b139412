import type { InboundConfig } from '../../shared/config/inbound-config.js';
import { createHubspotClient } from '../../shared/hubspot/client/index.js';
import type { InboundDeps } from '../../shared/inbound-sync/process-webhook-event.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The processor's dependencies for its configuration; nothing connects before the first use. */
export function buildInboundDeps(config: InboundConfig): InboundDeps {
  const { db, log } = workerRuntime(config, 'hubspot-inbound');
  const hubspot = createHubspotClient(config.hubspot.client, { db, logger: log, accessToken: config.hubspot.accessToken });
  return {
    db,
    companies: hubspot.companies,
    outbox: { db, publisher: createPubSubPublisher(), topic: config.outboxTopic },
    log,
    maxAttempts: config.inbound.maxAttempts,
  };
}
