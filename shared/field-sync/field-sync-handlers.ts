import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { outboxMessageSchema } from '../outbox/outbox-message.js';
import { relayUnpublished, type RelayOptions } from '../outbox/relay.js';
import type { MessagePublisher } from '../pubsub/publisher.js';
import { handleOutboxMessage, type FieldSyncDeps } from './handle-outbox-message.js';
import { decodePubSubEvent } from './pubsub-cloud-event.js';

/**
 * The CloudEvent handlers behind functions/field-sync, built from lazily created dependencies
 * (one set per instance). Returning acks the message; throwing makes Pub/Sub redeliver it.
 */
export function createFieldSyncHandler(getDeps: () => Promise<FieldSyncDeps>) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const deps = await getDeps();
    const decoded = decodePubSubEvent(event.data, outboxMessageSchema);
    if (!decoded.ok) {
      // Redelivery cannot fix a malformed message; it is logged loudly, then acked.
      deps.log.error('outbox message rejected', { reason: decoded.reason, eventId: event.id });
      return;
    }
    await handleOutboxMessage(deps, decoded.value, decoded.messageId ?? event.id);
  };
}

export interface OutboxRelayDeps {
  db: Db;
  publisher: MessagePublisher;
  log: Logger;
  options: Omit<RelayOptions, 'now'>;
}

/** Cloud Scheduler publishes a tick to `outbox-relay-tick`; each tick relays one bounded batch. */
export function createOutboxRelayHandler(getDeps: () => Promise<OutboxRelayDeps>) {
  return async (_event: CloudEvent<unknown>): Promise<void> => {
    const deps = await getDeps();
    await relayUnpublished(deps.db, deps.publisher, deps.options, deps.log);
  };
}
