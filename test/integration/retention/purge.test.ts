import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { purgeExpired, RETENTION_DEFAULTS, type RetentionPolicy } from '../../../shared/retention/purge.js';
import { syncStatus } from '../../../shared/sync-ops/status.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { insertCustomer } from '../../support/customer-factory.js';
import { seedRows } from './seed-expired.js';
import { type Clock, systemClock } from '../../../shared/runtime/clock.js';

describe('retention purge against PostgreSQL', () => {
  let t: TestDatabase;
  let customerId: string;
  const { logger } = createMemoryLogger('DEBUG');
  const purge = (policy: Partial<RetentionPolicy> = {}, now: Clock = systemClock) =>
    purgeExpired({ db: t.db, log: logger, now }, { ...RETENTION_DEFAULTS, ...policy });
  const count = async (table: 'hubspot_sync_log' | 'hubspot_sync_queue' | 'hubspot_webhook_events' | 'idempotency_keys') =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.destroy();
  });
  beforeEach(async () => {
    for (const table of [
      'hubspot_sync_log',
      'hubspot_sync_queue',
      'hubspot_webhook_events',
      'idempotency_keys',
      'retention_state',
      'customers',
    ] as const) {
      await t.db.deleteFrom(table).execute();
    }
    customerId = (await insertCustomer(t.db, 1, { prefix: 'RT', company_name: 'Retained Co' })).id;
  });

  it('removes only rows past each table’s age, keeps failures and unfinished work, and counts what it removed', async () => {
    const seeds = [
      ['syncLog', 91, 'SUCCESS', 30],
      ['syncLog', 91, 'FAILED', 5],
      ['syncLog', 89, 'SUCCESS', 7],
      ['outbox', 31, 'DONE', 20],
      ['outbox', 31, 'FAILED', 3],
      ['outbox', 31, 'PENDING', 2],
      ['outbox', 31, 'PARKED', 1],
      ['outbox', 29, 'DONE', 4],
      ['webhookEvent', 31, 'PROCESSED', 10],
      ['webhookEvent', 31, 'IGNORED', 6],
      ['webhookEvent', 31, 'FAILED', 2],
      ['webhookEvent', 31, 'RECEIVED', 1],
      ['webhookEvent', 29, 'PROCESSED', 3],
      ['idempotencyKey', 3, undefined, 8],
      ['idempotencyKey', 1, undefined, 2],
    ] as const;
    let start = 0;
    for (const [kind, ageDays, status, n] of seeds) {
      await seedRows(t.db, kind, { count: n, ageDays, customerId, status, start });
      start += n;
    }

    const result = await purge({ batchRows: 7 });
    expect(result).toMatchObject({
      deleted: { hubspot_sync_log: 35, hubspot_sync_queue: 20, hubspot_webhook_events: 16, idempotency_keys: 8 },
      complete: true,
    });
    expect(result.batches).toBeGreaterThan(10);
    expect([
      await count('hubspot_sync_log'),
      await count('hubspot_sync_queue'),
      await count('hubspot_webhook_events'),
      await count('idempotency_keys'),
    ]).toEqual([7, 10, 6, 2]);
    const remaining = await t.db
      .selectFrom('hubspot_sync_queue')
      .select('status')
      .where('created_at', '<', new Date(Date.now() - 30 * 86_400_000))
      .execute();
    expect(remaining.map((r) => r.status).sort()).toEqual(['FAILED', 'FAILED', 'FAILED', 'PARKED', 'PENDING', 'PENDING']);

    const status = await syncStatus({ db: t.db, budget: { key: 'default', maxPerWindow: 100, windowMs: 10_000 }, log: logger });
    expect(status.retention).toEqual([
      { table: 'hubspot_sync_log', rowsPurged: 35, lastPurgedAt: expect.any(String) },
      { table: 'hubspot_sync_queue', rowsPurged: 20, lastPurgedAt: expect.any(String) },
      { table: 'hubspot_webhook_events', rowsPurged: 16, lastPurgedAt: expect.any(String) },
      { table: 'idempotency_keys', rowsPurged: 8, lastPurgedAt: expect.any(String) },
    ]);

    const again = await purge();
    expect(again.deleted).toEqual({ hubspot_sync_log: 0, hubspot_sync_queue: 0, hubspot_webhook_events: 0, idempotency_keys: 0 });
    expect(
      (await syncStatus({ db: t.db, budget: { key: 'default', maxPerWindow: 100, windowMs: 10_000 }, log: logger })).retention[0]!
        .rowsPurged,
    ).toBe(35);
  });

  it('stops starting batches when its time is up and the next pass carries on where it stopped', async () => {
    await seedRows(t.db, 'syncLog', { count: 50, ageDays: 100, customerId });
    // Each reading of the clock advances it 1 ms: the budget runs out after a few batches.
    let clock = Date.now();
    const tick = () => new Date(clock++);
    const first = await purge({ batchRows: 10, maxPassMs: 5 }, tick);
    expect(first.complete).toBe(false);
    expect(first.deleted.hubspot_sync_log).toBeGreaterThan(0);
    expect(first.deleted.hubspot_sync_log).toBeLessThan(50);
    const rest = await purge({ batchRows: 10 });
    expect(rest.complete).toBe(true);
    expect(first.deleted.hubspot_sync_log + rest.deleted.hubspot_sync_log).toBe(50);
    expect(await count('hubspot_sync_log')).toBe(0);
  });

  it('skips rows another transaction holds instead of waiting for them', async () => {
    await seedRows(t.db, 'outbox', { count: 5, ageDays: 40, customerId });
    const held = await t.db.selectFrom('hubspot_sync_queue').select('id').orderBy('id').limit(2).execute();
    await t.db.transaction().execute(async (tx) => {
      await tx
        .selectFrom('hubspot_sync_queue')
        .select('id')
        .where(
          'id',
          'in',
          held.map((r) => r.id),
        )
        .forUpdate()
        .execute();
      const result = await purge();
      expect(result.deleted.hubspot_sync_queue).toBe(3);
    });
    expect((await purge()).deleted.hubspot_sync_queue).toBe(2);
  });
});
