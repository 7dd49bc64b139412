import type { Message, Subscription } from '@google-cloud/pubsub';
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { DeliveryOptions, MessageDelivery, PubSubMessagePublishedData } from './pubsub-delivery.js';

/**
 * What Eventarc does in production, for the emulator: pull messages from a subscription and
 * hand each to the real CloudEvent handler as a `google.cloud.pubsub.topic.v1.messagePublished`
 * event. Ack when the handler returns, nack when it throws, so retries, backoff and
 * dead-lettering behave like the deployed function's.
 */
export function toCloudEvent(message: Message, subscription: Subscription): CloudEvent<PubSubMessagePublishedData> {
  const publishTime = message.publishTime.toISOString();
  const topic = (subscription.metadata?.topic as string | undefined) ?? 'unknown';
  return {
    specversion: '1.0',
    id: message.id,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: `//pubsub.googleapis.com/${topic}`,
    time: publishTime,
    datacontenttype: 'application/json',
    data: {
      message: {
        data: message.data.toString('base64'),
        messageId: message.id,
        publishTime,
        attributes: message.attributes,
        ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
      },
      subscription: subscription.name,
    },
  };
}

export async function startPullBridge(options: DeliveryOptions): Promise<MessageDelivery> {
  const subscription = options.pubsub.subscription(options.subscription, {
    flowControl: { maxMessages: options.maxMessages ?? 10, allowExcessMessages: false },
  });
  await subscription.getMetadata();
  const stats = { delivered: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  subscription.on('message', (message: Message) => {
    const delivery = (async () => {
      stats.delivered++;
      try {
        await options.handler(toCloudEvent(message, subscription));
        message.ack();
      } catch (err) {
        stats.failed++;
        options.onError?.(err);
        message.nack();
      }
    })();
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  });
  subscription.on('error', (err) => options.onError?.(err));
  return {
    stats,
    async close() {
      // Let deliveries in progress finish and ack before the stream goes away.
      subscription.removeAllListeners('message');
      await Promise.allSettled([...inFlight]);
      await subscription.close();
    },
  };
}
