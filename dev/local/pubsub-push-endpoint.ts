import type { DeliveryOptions, MessageDelivery, PubSubMessagePublishedData } from './pubsub-delivery.js';
import { serveCloudEventFunction } from './serve-http-function.js';

/**
 * The path a deployed function's messages take, run against the emulator: the subscription is
 * made a push subscription to the function's own functions-framework server, which turns the
 * push body into the `messagePublished` CloudEvent. A handler that returns acks (2xx), one that
 * throws nacks (500), so the subscription's retry policy applies. The framework prints a thrown
 * error's stack, as the deployed function's log shows it.
 *
 * The emulator backs failing pushes off on a schedule of its own (measured: three tries in the first
 * 6 s, then none in the next 34 s) and forwards none to the dead-letter topic: tests of retry counts
 * and dead-lettering pull instead. Locally, the outbox relay's stuck sweep republishes outbound work
 * whose message stopped being pushed.
 */
export async function startPushEndpoint(options: DeliveryOptions): Promise<MessageDelivery> {
  const subscription = options.pubsub.subscription(options.subscription);
  const [metadata] = await subscription.getMetadata();
  const stats = { delivered: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  // Pushes beyond maxMessages wait their turn, as requests queue for a function at its concurrency.
  const turn = concurrencyLimit(options.maxMessages ?? 10);
  const served = await serveCloudEventFunction<PubSubMessagePublishedData>(
    (event) => {
      const delivery = turn(async () => {
        stats.delivered++;
        try {
          await options.handler(event);
        } catch (err) {
          stats.failed++;
          options.onError?.(err);
          throw err;
        }
      });
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery)).catch(() => undefined);
      return delivery;
    },
    { port: 0 },
  );
  // functions-framework names the event's source from the path: the topic's resource name.
  await subscription.modifyPushConfig({ pushEndpoint: `${served.url}/${String(metadata.topic)}` });
  return {
    stats,
    async close() {
      // Back to a pull subscription, so nothing is pushed to a port that is going away.
      await subscription.modifyPushConfig({}).catch(() => undefined);
      await Promise.allSettled([...inFlight]);
      await served.close();
    },
  };
}

/** Runs at most `max` tasks at once; the others wait in arrival order. */
function concurrencyLimit(max: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
