import type { protos, Topic } from '@google-cloud/pubsub';

type PublishRequest = protos.google.pubsub.v1.IPublishRequest;
type PublishResponse = protos.google.pubsub.v1.IPublishResponse;

export interface OutgoingMessage {
  message: unknown;
  orderingKey: string;
  attributes?: Record<string, string>;
}

/**
 * Publishes many messages in ONE Pub/Sub publish request. The client library's `publishMessage`
 * keeps a separate batch (and RPC) per ordering key, so 99 events about 99 companies cost 99
 * round trips; the API itself takes messages with different ordering keys in one request and
 * keeps their order within it. All or nothing: it resolves with every message id or rejects
 * (also when Pub/Sub acknowledges fewer messages than were sent), and the caller keeps its rows
 * unpublished for a retry. Pub/Sub's limits are 1,000 messages and 10 MB per request.
 */
export async function publishInOneRequest(topic: Topic, messages: readonly OutgoingMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const reqOpts: PublishRequest = {
    topic: topic.name,
    messages: messages.map((m) => ({
      data: Buffer.from(JSON.stringify(m.message)),
      orderingKey: m.orderingKey,
      attributes: m.attributes ?? {},
    })),
  };
  const response = await new Promise<PublishResponse>((resolve, reject) => {
    topic.pubsub.request<PublishResponse>(
      // gax would otherwise merge concurrent publishes into one RPC and hand back mixed-up message ids.
      { client: 'PublisherClient', method: 'publish', reqOpts, gaxOpts: { isBundling: false } },
      (err, res) => (err || !res ? reject(err ?? new Error('empty publish response')) : resolve(res)),
    );
  });
  const ids = response.messageIds ?? [];
  if (ids.length !== messages.length) throw new Error(`Pub/Sub acknowledged ${ids.length} of ${messages.length} messages`);
  return ids;
}
