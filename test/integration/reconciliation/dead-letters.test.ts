import { randomBytes } from 'node:crypto';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { main as deadLettersCli } from '../../../dev/dead-letters.js';
import { SEED_USERS } from '../../../dev/local/seed.js';
import { listDeadLetters } from '../../../shared/pubsub/dead-letters.js';
import { call } from '../customer-api/support.js';
import { waitFor } from '../outbound-sync/field-sync-harness.js';
import { createReconciliationApi, type ReconciliationApi } from './reconciliation-api-support.js';

describe('dead letters: list and replay against the emulator, over HTTPS and the command', () => {
  let r: ReconciliationApi;
  let inspect: string;
  /** What arrives on the outbox topic again, through a subscription of the test's own. */
  const received: Message[] = [];
  const pubsub = () => r.h.sync.pubsub;

  beforeAll(async () => {
    r = await createReconciliationApi();
    inspect = `${r.h.sync.names.outboxDeadLetterTopic}-inspect`;
    const [sub] = await pubsub()
      .topic(r.h.sync.names.outboxTopic)
      .createSubscription(`replay-check-${randomBytes(4).toString('hex')}`, { enableMessageOrdering: true });
    sub.on('message', (m: Message) => {
      received.push(m);
      m.ack();
    });
  });
  afterAll(() => r?.close());

  const deadLetter = (topic: string, message: object, orderingKey: string, attributes: Record<string, string> = {}) =>
    pubsub()
      .topic(topic, { messageOrdering: true })
      .publishMessage({ data: Buffer.from(JSON.stringify(message)), orderingKey, attributes });

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      PUBSUB_EMULATOR_HOST: inject('pubsubEmulatorHost'),
      GOOGLE_CLOUD_PROJECT: 'warp-test',
      DATABASE_URL: r.h.sync.database.url,
    };
    const code = await deadLettersCli(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('lists without consuming, then replays with the original ordering key and attributes, acking after the publish', async () => {
    const dlTopic = r.h.sync.names.outboxDeadLetterTopic;
    // As Pub/Sub dead-letters them: the original attributes plus its own.
    await deadLetter(dlTopic, { outboxId: '1', customerId: 'c-1' }, 'c-1', {
      origin: 'WARP',
      CloudPubSubDeadLetterSourceDeliveryCount: '10',
    });
    await deadLetter(dlTopic, { outboxId: '2', customerId: 'c-1' }, 'c-1', { origin: 'WARP' });
    await deadLetter(dlTopic, { outboxId: '3', customerId: 'c-2' }, 'c-2');

    const listed = await cli(['list', '--subscription', inspect]);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('"outboxId":"1"');
    expect(listed.out).toContain('3 shown');
    expect(await listDeadLetters(pubsub(), inspect, 10)).toHaveLength(3);

    const res = await call(r.api, 'POST', '/v1/sync/dead-letters/replay', {
      body: { subscription: inspect, max: 10 },
      token: r.tokens.superAdmin,
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ subscription: inspect, topic: r.h.sync.names.outboxTopic, replayed: 3 });

    await waitFor(async () => received.length >= 3, 'the replayed messages');
    const got = received.map((m) => ({ data: JSON.parse(m.data.toString()), orderingKey: m.orderingKey, attributes: m.attributes }));
    expect(got.sort((x, y) => x.data.outboxId.localeCompare(y.data.outboxId))).toEqual([
      { data: { outboxId: '1', customerId: 'c-1' }, orderingKey: 'c-1', attributes: { origin: 'WARP' } },
      { data: { outboxId: '2', customerId: 'c-1' }, orderingKey: 'c-1', attributes: { origin: 'WARP' } },
      { data: { outboxId: '3', customerId: 'c-2' }, orderingKey: 'c-2', attributes: {} },
    ]);
    // One key's messages keep their order.
    expect(got.filter((m) => m.orderingKey === 'c-1').map((m) => m.data.outboxId)).toEqual(['1', '2']);
    expect(await listDeadLetters(pubsub(), inspect, 10)).toEqual([]);

    const logged = await r.h.sync.database.db
      .selectFrom('hubspot_sync_log')
      .select(['operation', 'status', 'fields'])
      .where('operation', '=', 'REPLAY_DEAD_LETTERS')
      .execute();
    expect(logged).toMatchObject([
      { status: 'SUCCESS', fields: { deadLetters: { subscription: inspect, replayed: 3, by: SEED_USERS.superAdmin.userId } } },
    ]);
  });

  it('acks nothing when the publish fails: the dead letters stay for another try', async () => {
    const orphan = `gone-${randomBytes(4).toString('hex')}-dead-letter`;
    await pubsub().createTopic(orphan);
    await pubsub().topic(orphan).createSubscription(`${orphan}-inspect`);
    await deadLetter(orphan, { n: 1 }, 'k');

    const res = await call(r.api, 'POST', '/v1/sync/dead-letters/replay', {
      body: { subscription: `${orphan}-inspect` },
      token: r.tokens.superAdmin,
    });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { subscription: `${orphan}-inspect`, replayed: 0 } });
    expect(await listDeadLetters(pubsub(), `${orphan}-inspect`, 10)).toMatchObject([{ data: { n: 1 }, orderingKey: 'k' }]);

    const replayed = await cli(['replay', '--subscription', `${orphan}-inspect`, '--by', 'ops@example.com']);
    expect(replayed.code).toBe(1);
    expect(await listDeadLetters(pubsub(), `${orphan}-inspect`, 10)).toHaveLength(1);
    const failed = await r.h.sync.database.db
      .selectFrom('hubspot_sync_log')
      .select('fields')
      .where('operation', '=', 'REPLAY_DEAD_LETTERS')
      .where('status', '=', 'FAILED')
      .execute();
    expect(failed.map((f) => (f.fields as { deadLetters: { by: string } }).deadLetters.by).sort()).toEqual(
      [SEED_USERS.superAdmin.userId, 'ops@example.com'].sort(),
    );
  });

  it('names the field of a bad request (400), an unknown subscription (404), and refuses a customer_admin (403)', async () => {
    for (const [body, field] of [
      [{ subscription: 'field-sync' }, 'subscription'],
      [{ subscription: inspect, max: 0 }, 'max'],
      [{ subscription: inspect, extra: true }, 'extra'],
    ] as const) {
      const res = await call(r.api, 'POST', '/v1/sync/dead-letters/replay', { body, token: r.tokens.superAdmin });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
    const missing = await call(r.api, 'POST', '/v1/sync/dead-letters/replay', {
      body: { subscription: 'nothing-here-dead-letter-inspect' },
      token: r.tokens.superAdmin,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details).toMatchObject({ field: 'subscription' });
    expect(
      (await call(r.api, 'POST', '/v1/sync/dead-letters/replay', { body: { subscription: inspect }, token: r.tokens.customerAdmin }))
        .status,
    ).toBe(403);
    const usage = await cli(['list', '--subscription', 'field-sync']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--subscription');
  });
});
