import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimOutboxBatch } from '../../../shared/outbox/outbox-claims.js';
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

  const outboxIdsOf = async (customerIds: readonly string[]) =>
    (
      await t.db
        .selectFrom('hubspot_sync_queue')
        .select('id')
        .where('customer_id', 'in', [...customerIds])
        .orderBy('id')
        .execute()
    ).map((r) => r.id);

  it('sends no message for the rows a worker took with the leader; those it left get their own', async () => {
    const customers = await insertCustomersWithOutbox(t.db, 5, { prefix: 'RP' });
    const ids = await outboxIdsOf(customers);
    // The worker woken by the leader claims the leader and two more rows (its batch holds three).
    const claimed: string[] = [];
    const publisher = recordingPublisher(async (message) => {
      if (claimed.length > 0) return;
      const claim = await claimOutboxBatch(t.db, {
        outboxId: message.outboxId,
        customerId: message.customerId,
        workerId: 'w',
        maxCustomers: 3,
        leaseMs: 60_000,
        now: new Date(),
      });
      claimed.push(...claim.rows.map((r) => r.id));
    });
    const failures: number[] = [];
    const resyncs = createResyncPublisher({ db: t.db, publisher, topic: 'recorded' }, 5, async ({ failed }) => void failures.push(failed));
    resyncs.add(ids);
    await resyncs.flush();

    expect(claimed).toHaveLength(3);
    const left = ids.filter((id) => !claimed.includes(id));
    expect(publisher.outboxIds).toEqual([ids[0], ...left]);
    expect(failures).toEqual([]);
    const rows = await t.db.selectFrom('hubspot_sync_queue').select(['id', 'status', 'published_at']).where('id', 'in', ids).execute();
    expect(rows.every((r) => r.published_at !== null)).toBe(true);
    expect(rows.filter((r) => r.status === 'PROCESSING').map((r) => r.id)).toEqual(expect.arrayContaining(claimed));
    // Nothing is left for the relay to send.
    expect(await relayUnpublished(t.db, recordingPublisher(), { graceMs: 0, limit: 100, topic: 'recorded' })).toEqual({
      published: 0,
      failed: 0,
    });
  });
});
