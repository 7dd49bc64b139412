import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOutboxBatch, releaseOutboxRows } from '../../../shared/outbox/outbox-claims.js';
import type { OutboxMessage } from '../../../shared/outbox/outbox-message.js';
import { relayUnpublished } from '../../../shared/outbox/relay.js';
import { createResyncPublisher } from '../../../shared/reconciliation/resync-publisher.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { recordingPublisher } from '../outbound-sync/recording-publisher.js';

describe('resync publisher', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.destroy());

  const groupOf = async (count: number, offset: number) => {
    const customers = await insertCustomersWithOutbox(t.db, count, { prefix: 'RP', offset });
    const rows = await t.db.selectFrom('hubspot_sync_queue').select('id').where('customer_id', 'in', customers).orderBy('id').execute();
    return rows.map((r) => r.id);
  };
  const claim = (message: OutboxMessage, workerId: string, maxCustomers: number) =>
    claimOutboxBatch(t.db, { ...message, workerId, maxCustomers, leaseMs: 60_000, now: new Date() });
  const nothingLeftForTheRelay = async () =>
    expect(await relayUnpublished(t.db, recordingPublisher(), { graceMs: 0, limit: 100, topic: 'recorded' })).toEqual({
      published: 0,
      failed: 0,
    });
  const collect = () => {
    const messages: OutboxMessage[] = [];
    const publisher = recordingPublisher(async (message) => void messages.push(message));
    const failures: number[] = [];
    const resyncs = createResyncPublisher({ db: t.db, publisher, topic: 'recorded' }, 5, async ({ failed }) => void failures.push(failed));
    return { messages, failures, resyncs, publisher };
  };

  it('sends one message per group, naming the rest, and one claim takes the whole group', async () => {
    const ids = await groupOf(7, 0);
    const { messages, failures, resyncs } = collect();
    resyncs.add(ids);
    await resyncs.flush();

    expect(messages.map((m) => [m.outboxId, m.alongWith])).toEqual([
      [ids[0], ids.slice(1, 5)],
      [ids[5], [ids[6]]],
    ]);
    expect(failures).toEqual([]);
    const first = await claim(messages[0]!, 'w', 5);
    expect(first.messageRow).toBe('CLAIMED');
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(0, 5));
    expect((await claim(messages[1]!, 'w', 5)).rows.map((r) => r.id)).toEqual(ids.slice(5));
    await nothingLeftForTheRelay();
  });

  it("claims a group's rows even when its first row was taken along by another batch", async () => {
    const ids = await groupOf(5, 100);
    const { messages, resyncs } = collect();
    resyncs.add(ids);
    await resyncs.flush();
    // Another worker's batch took the group's first row (oldest pending) before the group's message came.
    await t.db
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_by: 'other', claimed_at: new Date() })
      .where('id', '=', ids[0]!)
      .execute();

    const group = await claim(messages[0]!, 'w', 5);
    expect(group.messageRow).toBe('IN_PROGRESS_ELSEWHERE');
    expect(group.rows.map((r) => r.id)).toEqual(ids.slice(1));
    await nothingLeftForTheRelay();
  });

  it('leaves a failed publish to the relay, and a row handed back already too', async () => {
    const ids = await groupOf(5, 200);
    await t.db
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_by: 'w0', claimed_at: new Date() })
      .where('id', '=', ids[4]!)
      .execute();
    await releaseOutboxRows(t.db, [ids[4]!], 'w0', { status: 'PENDING', error: 'HubSpot 503', retryAt: new Date(), republish: true });
    const failures: number[] = [];
    const failing = recordingPublisher(() => Promise.reject(new Error('Pub/Sub unavailable')));
    const resyncs = createResyncPublisher(
      { db: t.db, publisher: failing, topic: 'recorded' },
      5,
      async ({ failed }) => void failures.push(failed),
    );
    resyncs.add(ids);
    await resyncs.flush();

    expect(failures).toEqual([5]);
    const relay = recordingPublisher();
    expect(await relayUnpublished(t.db, relay, { graceMs: 0, limit: 100, topic: 'recorded' })).toEqual({ published: 5, failed: 0 });
    expect(relay.outboxIds.sort()).toEqual([...ids].sort());
  });
});
