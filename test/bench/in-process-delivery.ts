/**
 * Pub/Sub's part for a bench, in process: what is published reaches one of `instances` concurrent
 * field-sync "instances" after a push's typical latency (not at once: a worker claiming in the same
 * millisecond as the publisher marks the next rows published would skip them, as no real delivery
 * is that fast); a handler that throws is nacked, and the message comes back after Pub/Sub's
 * shortest retry backoff. Delivery itself is not what a bench measures.
 */
import { handleOutboxMessage, type FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import { outboxMessageSchema, type OutboxMessage } from '../../shared/outbox/outbox-message.js';
import type { MessagePublisher } from '../../shared/pubsub/publisher.js';

const NACK_BACKOFF_MS = 1_000;
const PUSH_LATENCY_MS = 30;

export function deliverToFieldSync(depsOf: (instance: number) => FieldSyncDeps, instances: number): MessagePublisher {
  const queue: OutboxMessage[] = [];
  const idle = Array.from({ length: instances }, (_, n) => depsOf(n));
  let published = 0;
  const pump = () => {
    while (idle.length > 0 && queue.length > 0) {
      const deps = idle.pop()!;
      const message = queue.shift()!;
      void handleOutboxMessage(deps, message)
        .catch(() => {
          setTimeout(() => {
            queue.push(message);
            pump();
          }, NACK_BACKOFF_MS).unref();
        })
        .finally(() => {
          idle.push(deps);
          pump();
        });
    }
  };
  return {
    async publish(_topic, message) {
      const parsed = outboxMessageSchema.parse(message);
      setTimeout(() => {
        queue.push(parsed);
        pump();
      }, PUSH_LATENCY_MS).unref();
      return String(++published);
    },
    close: async () => undefined,
  };
}
