import { PubSub, type Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, expect, it, inject } from 'vitest';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { MAX_ATTEMPTS, eventsOf, startInboundStack, waitFor, type InboundStack } from './inbound-stack.js';

// A stack of its own, with an unordered, pulled webhook subscription: the emulator forwards
// nothing to the dead-letter topic from an ordered one or a push one; real Pub/Sub does from all.
let database: TestDatabase;
let stack: InboundStack;
/** Companies whose HubSpot read fails for the processor: an outage that outlasts every retry. */
const unreadable = new Set<string>();

beforeAll(async () => {
  database = await createTestDatabase();
  stack = await startInboundStack({
    db: database.db,
    emulatorHost: inject('pubsubEmulatorHost'),
    orderedWebhooks: false,
    webhookDelivery: 'pull',
    decorateDeps: (deps) => ({
      ...deps,
      companies: {
        getCompany: (id, properties, options) =>
          unreadable.has(id)
            ? Promise.reject(new Error(`HubSpot unavailable for ${id} (test)`))
            : deps.companies.getCompany(id, properties, options),
      },
    }),
  });
});

afterAll(async () => {
  await stack?.close();
  await database?.destroy();
});

it('a failure outlasting every retry marks the event FAILED with error and attempts; delivery stops at the dead-letter limit', async () => {
  const pubsub = new PubSub({ apiEndpoint: inject('pubsubEmulatorHost'), projectId: 'warp-test' });
  const deadLetters: Message[] = [];
  const inspect = pubsub.subscription(`${stack.names.webhookDeadLetterTopic}-inspect`);
  inspect.on('message', (m: Message) => {
    deadLetters.push(m);
    m.ack();
  });
  try {
    // Hold the delivery until the company id is known, then make its HubSpot read fail for good.
    stack.intakeFailures.remaining = 1_000;
    const company = await stack.sandbox.control.createAsUser({ name: 'Never Readable', warp_ban: 'ZZ-000000001' });
    unreadable.add(company.id);
    stack.intakeFailures.remaining = 0;

    const failed = await waitFor(async () => {
      const row = (await eventsOf(stack, company.id)).find((e) => e.subscription_type === 'company.creation');
      return row?.status === 'FAILED' && row;
    }, 'the event to fail for good');
    expect(failed.processing_error).toBe(`Error: HubSpot unavailable for ${company.id} (test)`);
    // The CRITICAL line is written after the FAILED status commits: wait for it too.
    const lines = await waitFor(async () => {
      const mine = stack.logLines.filter((l) => l.includes(`"webhookEventId":"${failed.id}"`));
      return mine.some((l) => l.includes('"severity":"CRITICAL"')) && mine;
    }, 'the CRITICAL line of the failed event');
    expect(lines.filter((l) => l.includes('Pub/Sub will redeliver it'))).toHaveLength(MAX_ATTEMPTS - 1);
    expect(lines.filter((l) => l.includes('"severity":"CRITICAL"'))).toHaveLength(1);
    // Delivery stops at the subscription's limit: the message moves to the dead-letter topic,
    // which records how often it was delivered, and is not delivered to the processor again.
    const dead = await waitFor(
      async () => deadLetters.find((m) => webhookEventMessageSchema.parse(JSON.parse(m.data.toString())).webhookEventId === failed.id),
      "the event's message on the dead-letter topic",
    );
    expect(dead.attributes).toMatchObject({
      CloudPubSubDeadLetterSourceSubscription: stack.names.webhookSubscription,
      CloudPubSubDeadLetterSourceDeliveryCount: String(MAX_ATTEMPTS),
    });
    expect((await eventsOf(stack, company.id)).find((e) => e.id === failed.id)?.processing_attempts).toBe(MAX_ATTEMPTS);
  } finally {
    unreadable.clear();
    await inspect.close();
    await pubsub.close();
  }
});
