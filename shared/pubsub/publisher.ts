import { PubSub, type Topic } from '@google-cloud/pubsub';

export interface PublishOptions {
  /** Messages with the same key are delivered in publish order (the subscription must enable ordering). */
  orderingKey?: string;
  attributes?: Record<string, string>;
}

/** The one thing services need of Pub/Sub: publish a JSON message, get its id or an error. */
export interface MessagePublisher {
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * Google Cloud Pub/Sub (or the emulator when PUBSUB_EMULATOR_HOST is set, which
 * the client library honours by itself). Topic handles are cached per instance.
 */
export function createPubSubPublisher(pubsub: PubSub = new PubSub()): MessagePublisher {
  const topics = new Map<string, Topic>();
  const topicFor = (name: string) => {
    let topic = topics.get(name);
    if (!topic) {
      topic = pubsub.topic(name, { messageOrdering: true });
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
        // A failed publish pauses its ordering key; resume so the next attempt can go out.
        if (options.orderingKey) topic.resumePublishing(options.orderingKey);
        throw err;
      }
    },
    async close() {
      await Promise.all([...topics.values()].map((t) => t.flush().catch(() => undefined)));
      await pubsub.close();
    },
  };
}
