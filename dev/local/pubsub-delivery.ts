import type { PubSub } from '@google-cloud/pubsub';
import type { CloudEventFunction } from '@google-cloud/functions-framework';

/**
 * A subscription's messages handed to a CloudEvent function the way a deployed function gets
 * them: pushed (pubsub-push-endpoint.ts, the local stack's path) or pulled (pubsub-pull-bridge.ts).
 */

/** The CloudEvent data of a Pub/Sub `messagePublished` event (`message.data` base64). */
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

export interface DeliveryOptions {
  pubsub: PubSub;
  subscription: string;
  handler: CloudEventFunction<PubSubMessagePublishedData>;
  /** Concurrent deliveries, like a function's max instances x concurrency. */
  maxMessages?: number;
  onError?: (err: unknown) => void;
}
