import { outboxMessageSchema } from '../outbox/outbox-message.js';
import { createPubSubHandler } from '../pubsub/message-handler.js';
import { handleOutboxMessage, type FieldSyncDeps } from './handle-outbox-message.js';

/** The outbox message handler behind functions/field-sync, over lazily built dependencies. */
export function createFieldSyncHandler(getDeps: () => Promise<FieldSyncDeps>) {
  return createPubSubHandler({
    rejectedMessage: 'outbox message rejected',
    schema: outboxMessageSchema,
    getDeps,
    onMessage: handleOutboxMessage,
  });
}
