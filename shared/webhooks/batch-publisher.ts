import type { PubSub, protos } from '@google-cloud/pubsub';

type PublishRequest = protos.google.pubsub.v1.IPublishRequest;
type PublishResponse = protos.google.pubsub.v1.IPublishResponse;

export interface OutgoingMessage {
  message: unknown;
  orderingKey: string;
  attributes?: Record<string, string>;
}

/**
 * Publishes a whole webhook delivery in ONE Pub/Sub publish request. The
 * client library's `publishMessage` keeps a separate batch (and RPC) per
 * ordering key, so 99 events about 99 companies cost 99 round trips; the API
 * itself takes messages with different ordering keys in one request and keeps
 * their order within it. All or nothing: it resolves with every message id or
 * rejects, and the caller leaves the rows unpublished for a retry.
 */
export interface EventBatchPublisher {
  publishBatch(topic: string, messages: readonly OutgoingMessage[]): Promise<string[]>;
  close(): Promise<void>;
}

/** Pub/Sub's publish limits are 1,000 messages and 10 MB per request; a delivery stays far below both. */
export function createPubSubBatchPublisher(pubsub: PubSub): EventBatchPublisher {
  return {
    async publishBatch(topicName, messages) {
      if (messages.length === 0) return [];
      const topic = pubsub.topic(topicName);
      const reqOpts: PublishRequest = {
        topic: topic.name,
        messages: messages.map((m) => ({
          data: Buffer.from(JSON.stringify(m.message)),
          orderingKey: m.orderingKey,
          attributes: m.attributes ?? {},
        })),
      };
      const response = await new Promise<PublishResponse>((resolve, reject) => {
        pubsub.request<PublishResponse>(
          // gax would otherwise merge concurrent publishes into one RPC and hand back mixed-up message ids.
          { client: 'PublisherClient', method: 'publish', reqOpts, gaxOpts: { isBundling: false } },
          (err, res) => (err || !res ? reject(err ?? new Error('empty publish response')) : resolve(res)),
        );
      });
      const ids = response.messageIds ?? [];
      if (ids.length !== messages.length) throw new Error(`Pub/Sub acknowledged ${ids.length} of ${messages.length} messages`);
      return ids;
    },
    close: () => pubsub.close(),
  };
}
