import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOutboxBatch } from '../../../shared/field-sync/outbox-claims.js';
import { relayUnpublished, type RelayOptions } from '../../../shared/outbox/relay.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { insertCustomersWithOutbox } from './customer-factory.js';
import { recordingPublisher } from './recording-publisher.js';

const OPTIONS: RelayOptions = { graceMs: 0, limit: 1000, topic: 'recorded' };

describe('outbox relay', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.destroy());

  const unpublishedIds = async () =>
    (await t.db.selectFrom('hubspot_sync_queue').select('id').where('published_at', 'is', null).orderBy('id').execute()).map((r) => r.id);

  it('holds no row lock while publishing: a worker can claim a row whose publish is under way', async () => {
    const [customerId] = await insertCustomersWithOutbox(t.db, 1, { prefix: 'RL' });
    const claims: string[] = [];
    const publisher = recordingPublisher(async (message) => {
      const claim = claimOutboxBatch(t.db, { outboxId: message.outboxId, customerId: message.customerId, workerId: 'w', maxCustomers: 1, leaseMs: 60_000, now: new Date() });
      const stalled = new Promise<string>((resolve) => setTimeout(() => resolve('STALLED'), 3_000));
      claims.push(await Promise.race([claim.then((c) => c.messageRow), stalled]));
    });
    expect(await relayUnpublished(t.db, publisher, OPTIONS)).toEqual({ published: 1, failed: 0 });
    expect(claims).toEqual(['CLAIMED']);
    const row = await t.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', customerId!).executeTakeFirstOrThrow();
    // Marking it published leaves the worker's claim alone.
    expect(row).toMatchObject({ status: 'PROCESSING', claimed_by: 'w', publish_attempts: 1 });
    expect(row.published_at).not.toBeNull();
  });

  it('two relays at once publish every row, each once', async () => {
    await insertCustomersWithOutbox(t.db, 60, { prefix: 'RC', offset: 100 });
    const ids = await unpublishedIds();
    expect(ids).toHaveLength(60);
    const slow = () => recordingPublisher(() => new Promise((r) => setTimeout(r, 5)));
    const [a, b] = [slow(), slow()];
    const results = await Promise.all([relayUnpublished(t.db, a, OPTIONS), relayUnpublished(t.db, b, OPTIONS)]);
    expect(results.reduce((n, r) => n + r.published, 0)).toBe(60);
    const published = [...a.outboxIds, ...b.outboxIds].sort((x, y) => Number(x) - Number(y));
    expect(published).toEqual(ids);
    expect(await unpublishedIds()).toEqual([]);
  });

  it('a failed publish is retried by the next run; rows leased by a relay that died wait out its lease', async () => {
    await insertCustomersWithOutbox(t.db, 2, { prefix: 'RF', offset: 200 });
    const [first, second] = await unpublishedIds();
    const failing = recordingPublisher(async () => {
      throw new Error('pubsub unavailable');
    });
    expect(await relayUnpublished(t.db, failing, OPTIONS)).toEqual({ published: 0, failed: 2 });
    // A relay died after taking `second`: its lease holds it back, not `first`.
    await t.db.updateTable('hubspot_sync_queue').set({ claimed_at: new Date() }).where('id', '=', second!).execute();
    const next = recordingPublisher();
    expect(await relayUnpublished(t.db, next, { ...OPTIONS, leaseMs: 60_000 })).toEqual({ published: 1, failed: 0 });
    expect(next.outboxIds).toEqual([first]);
    const later = recordingPublisher();
    await relayUnpublished(t.db, later, { ...OPTIONS, leaseMs: 60_000, now: new Date(Date.now() + 61_000) });
    expect(later.outboxIds).toEqual([second]);
    const rows = await t.db.selectFrom('hubspot_sync_queue').selectAll().where('id', 'in', [first!, second!]).orderBy('id').execute();
    expect(rows.map((r) => [r.publish_attempts, r.claimed_at])).toEqual([
      [2, null],
      [2, null],
    ]);
  });
});
