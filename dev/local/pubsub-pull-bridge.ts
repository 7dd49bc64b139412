import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { CloudEvent, CloudEventFunction } from '@google-cloud/functions-framework';

/**
 * What Eventarc does in production, for the emulator: pull messages from a subscription and
 * hand each to the real CloudEvent handler as a `google.cloud.pubsub.topic.v1.messagePublished`
 * event (`data.message.data` base64). Ack when the handler returns, nack when it throws, so
 * retries, backoff and dead-lettering behave like the deployed function's.
 */
export interface PubSubMessagePublishedData {
  message: {
    data: string;
    messageId: string;
    publishTime: string;
    attributes?: Record<string, string>;
    orderingKey?: string;
  };
  subscription: string;
}

export interface MessageDelivery {
  /** Messages handed to the handler so far, and how many of them threw. */
  readonly stats: { delivered: number; failed: number };
  close(): Promise<void>;
}

/** A subscription's messages handed to a CloudEvent function, pushed (pubsub-push-endpoint.ts) or pulled. */
export interface DeliveryOptions {
  pubsub: PubSub;
  subscription: string;
  handler: CloudEventFunction<PubSubMessagePublishedData>;
  /** Concurrent deliveries, like a function's max instances x concurrency. */
  maxMessages?: number;
  onError?: (err: unknown) => void;
}

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
