import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOutboxBatch, releaseOutboxRows } from '../../../shared/outbox/outbox-claims.js';
import type { OutboxMessage } from '../../../shared/outbox/outbox-message.js';
import { publishOutboxRow } from '../../../shared/outbox/publish-outbox-row.js';
import { relayUnpublished, type RelayOptions } from '../../../shared/outbox/relay.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';
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
      const claim = claimOutboxBatch(t.db, {
        outboxId: message.outboxId,
        customerId: message.customerId,
        workerId: 'w',
        maxCustomers: 1,
        leaseMs: 60_000,
        now: new Date(),
      });
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
    const slow = () => recordingPublisher(() => sleep(5));
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
  describe('a worker releasing the row for a republish while it is being published keeps that request', () => {
    /** What a worker does with the message of a publish under way: claims the row, fails retryably, asks for a republish. */
    const claimAndReleaseForRepublish = async (message: OutboxMessage) => {
      const claim = await claimOutboxBatch(t.db, {
        outboxId: message.outboxId,
        customerId: message.customerId,
        workerId: 'w-race',
        maxCustomers: 1,
        leaseMs: 60_000,
        now: new Date(),
      });
      expect(claim.messageRow).toBe('CLAIMED');
      const released = await releaseOutboxRows(t.db, [message.outboxId], 'w-race', {
        status: 'PENDING',
        error: 'HubSpot 503',
        retryAt: new Date(),
        republish: true,
      });
      expect(released.map((r) => r.id)).toEqual([message.outboxId]);
    };
    const rowOf = (id: string) => t.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('by the relay', async () => {
      await insertCustomersWithOutbox(t.db, 1, { prefix: 'RR', offset: 300 });
      const [id] = (await unpublishedIds()) as [string];
      // A second on: a row created within the current millisecond is not yet past the grace period.
      const later = { ...OPTIONS, now: new Date(Date.now() + 1_000) };
      expect(await relayUnpublished(t.db, recordingPublisher(claimAndReleaseForRepublish), later)).toEqual({ published: 1, failed: 0 });
      expect(await rowOf(id)).toMatchObject({ status: 'PENDING', published_at: null, attempts: 1, claimed_at: null });
      // So the next run sends it again.
      const next = recordingPublisher();
      await relayUnpublished(t.db, next, later);
      expect(next.outboxIds).toEqual([id]);
      expect((await rowOf(id)).published_at).not.toBeNull();
    });

    it("by the API's after-commit publish", async () => {
      await insertCustomersWithOutbox(t.db, 1, { prefix: 'RA', offset: 400 });
      const [id] = (await unpublishedIds()) as [string];
      const publisher = recordingPublisher(claimAndReleaseForRepublish);
      expect(await publishOutboxRow({ db: t.db, publisher, topic: 'recorded' }, id)).toBe(true);
      expect(await rowOf(id)).toMatchObject({ status: 'PENDING', published_at: null, attempts: 1, publish_attempts: 1 });
      // Without a race the mark is written as before.
      await insertCustomersWithOutbox(t.db, 1, { prefix: 'RB', offset: 500 });
      const [plain] = (await unpublishedIds()).filter((u) => u !== id) as [string];
      expect(await publishOutboxRow({ db: t.db, publisher: recordingPublisher(), topic: 'recorded' }, plain)).toBe(true);
      expect((await rowOf(plain)).published_at).not.toBeNull();
    });
  });

  it('gives up a change that used up its attempts instead of resending it forever', async () => {
    const [spent, fresh] = await insertCustomersWithOutbox(t.db, 2, { prefix: 'RG', offset: 300 });
    const stuck = { attempts: 20, published_at: new Date(Date.now() - 3_600_000), last_error: 'HubSpot 503' };
    await t.db.updateTable('hubspot_sync_queue').set(stuck).where('customer_id', '=', spent!).execute();
    await t.db
      .updateTable('hubspot_sync_queue')
      .set({ ...stuck, attempts: 3 })
      .where('customer_id', '=', fresh!)
      .execute();
    const { logger, lines } = createMemoryLogger();
    const publisher = recordingPublisher();
    await relayUnpublished(t.db, publisher, { ...OPTIONS, stuckAfterMs: 60_000, maxAttempts: 20 }, logger);

    const row = async (customerId: string) =>
      t.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(await row(spent!)).toMatchObject({ status: 'FAILED', last_error: 'given up after 20 attempts: HubSpot 503' });
    expect((await row(fresh!)).status).toBe('PENDING');
    expect(publisher.outboxIds).not.toContain((await row(spent!)).id);
    expect(publisher.outboxIds).toContain((await row(fresh!)).id);
    expect(lines.filter((l) => l.severity === 'CRITICAL')).toHaveLength(1);
  });
});
