import { PubSub, type Topic } from '@google-cloud/pubsub';
import { publishInOneRequest, type OutgoingMessage } from './batch-publisher.js';

export interface PublishOptions {
  /** Messages with the same key are delivered in publish order (the subscription must enable ordering). */
  orderingKey?: string;
  attributes?: Record<string, string>;
}

/** What services need of Pub/Sub: publish JSON messages, get their ids or an error. */
export interface PubSubPublisher {
  /** One message (an outbox row). */
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<string>;
  /** Many messages, any ordering keys, in one publish request; all or nothing (webhook events). */
  publishBatch(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]>;
  /** Flushes; closes the PubSub client only if this publisher created it. */
  close(): Promise<void>;
}

/** The narrow views callers depend on, so test doubles implement only what is used. */
export type MessagePublisher = Pick<PubSubPublisher, 'publish' | 'close'>;
export type EventBatchPublisher = Pick<PubSubPublisher, 'publishBatch' | 'close'>;

/**
 * Google Cloud Pub/Sub (or the emulator when PUBSUB_EMULATOR_HOST is set, which the client library
 * honours by itself). Topic handles are cached per instance. Given a client, the caller keeps
 * owning it (close() leaves it open); without one, the publisher creates and closes its own.
 *
 * `publish` stays on the library's publishMessage rather than the raw one-request RPC: with
 * ordering enabled the library sends one key's messages in sequence even when the caller publishes
 * them concurrently (the relay publishes a customer's rows at once), and a failed publish pauses
 * its key so a later message cannot overtake it; we resume the key and rethrow so the caller's
 * retry goes out. `publishBatch` needs one RPC for many keys, which the library cannot do.
 */
export function createPubSubPublisher(pubsub?: PubSub): PubSubPublisher {
  const client = pubsub ?? new PubSub();
  const topics = new Map<string, Topic>();
  const topicFor = (name: string) => {
    let topic = topics.get(name);
    if (!topic) {
      topic = client.topic(name, { messageOrdering: true });
      topics.set(name, topic);
    }
    return topic;
  };
  return {
    async publish(topicName, message, options = {}) {
      const topic = topicFor(topicName);
      const data = Buffer.from(JSON.stringify(message));
      try {
        return await topic.publishMessage({ data, orderingKey: options.orderingKey, attributes: options.attributes });
      } catch (err) {
        if (options.orderingKey) topic.resumePublishing(options.orderingKey);
        throw err;
      }
    },
    publishBatch: (topicName, messages) => publishInOneRequest(topicFor(topicName), messages),
    async close() {
      await Promise.all([...topics.values()].map((t) => t.flush().catch(() => undefined)));
      if (!pubsub) await client.close();
    },
  };
}
