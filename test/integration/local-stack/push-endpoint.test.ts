import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { PubSubMessagePublishedData } from '../../../dev/local/pubsub-delivery.js';
import { startPushEndpoint } from '../../../dev/local/pubsub-push-endpoint.js';
import { waitFor } from '../../support/wait-for.js';

const PROJECT = 'warp-test';
let pubsub: PubSub;
const suffix = randomBytes(4).toString('hex');
const topicName = `push-endpoint-${suffix}`;
const subscriptionName = `push-endpoint-sub-${suffix}`;

beforeAll(async () => {
  pubsub = new PubSub({ apiEndpoint: inject('pubsubEmulatorHost'), projectId: PROJECT });
  const [topic] = await pubsub.createTopic(topicName);
  await topic.createSubscription(subscriptionName, {
    enableMessageOrdering: true,
    retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 2 } },
  });
});

afterAll(async () => {
  await pubsub?.close();
});

it('a push reaches the handler as the messagePublished CloudEvent; a throw nacks it, a return acks it; closing ends the push', async () => {
  const received: Array<CloudEvent<PubSubMessagePublishedData>> = [];
  let failuresLeft = 1;
  const delivery = await startPushEndpoint({
    pubsub,
    subscription: subscriptionName,
    handler: async (event) => {
      received.push(event);
      if (failuresLeft-- > 0) throw new Error('the first delivery fails (test)');
    },
  });
  try {
    const [metadata] = await pubsub.subscription(subscriptionName).getMetadata();
    expect(metadata.pushConfig?.pushEndpoint).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/projects/${PROJECT}/topics/${topicName}$`));

    const topic = pubsub.topic(topicName, { messageOrdering: true });
    const first = await topic.publishMessage({ json: { n: 1 }, orderingKey: 'k1', attributes: { origin: 'test' } });
    await waitFor(async () => delivery.stats.delivered === 2, 'the nacked push to be delivered again');
    // Same ordering key: the second message is pushed only once the first was acked.
    const second = await topic.publishMessage({ json: { n: 2 }, orderingKey: 'k1', attributes: { origin: 'test' } });
    await waitFor(async () => delivery.stats.delivered === 3, 'the next message of the key');
    expect(delivery.stats).toEqual({ delivered: 3, failed: 1 });
    expect(received.map((e) => e.data?.message.messageId)).toEqual([first, first, second]);
    for (const event of received) {
      expect(event).toMatchObject({
        type: 'google.cloud.pubsub.topic.v1.messagePublished',
        source: `//pubsub.googleapis.com/projects/${PROJECT}/topics/${topicName}`,
        data: { message: { attributes: { origin: 'test' } } },
      });
    }
    expect(received.map((e) => JSON.parse(Buffer.from(e.data!.message.data, 'base64').toString('utf8')))).toEqual([
      { n: 1 },
      { n: 1 },
      { n: 2 },
    ]);
  } finally {
    await delivery.close();
  }
  const [metadata] = await pubsub.subscription(subscriptionName).getMetadata();
  expect(metadata.pushConfig?.pushEndpoint ?? '').toBe('');
});
