import type { OutboxMessage } from '../../../shared/outbox/outbox-message.js';
import type { MessagePublisher } from '../../../shared/pubsub/publisher.js';

/** A publisher that keeps the outbox ids it was given; `beforePublish` runs first (delays, probes). */
export function recordingPublisher(beforePublish?: (message: OutboxMessage) => Promise<void>): MessagePublisher & { outboxIds: string[] } {
  const outboxIds: string[] = [];
  return {
    outboxIds,
    async publish(_topic, message) {
      const m = message as OutboxMessage;
      await beforePublish?.(m);
      outboxIds.push(m.outboxId);
      return `recorded-${outboxIds.length}`;
    },
    close: async () => undefined,
  };
}
