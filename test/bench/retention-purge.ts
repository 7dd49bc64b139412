/**
 * The retention purge over a million expired rows (700k sync log, 150k DONE outbox, 150k
 * processed webhook events) beside 100k that must stay, passes run back to back as relay ticks
 * would. Reports rows/s, the longest single DELETE (the longest any row lock was held), the
 * passes it took, and the slowest insert a writer saw on the same tables meanwhile.
 *
 *   npm run bench -- retention-purge
 */
import { sql } from 'kysely';
import { createDb } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logging/logger.js';
import { purgeExpired, RETENTION_DEFAULTS } from '../../shared/retention/purge.js';
import { insertCustomer } from '../support/customer-factory.js';
import { seedRows } from '../integration/retention/seed-expired.js';
import { benchDatabase, round, stopAll, type Stops } from './bench-support.js';
import { systemClock } from '../../shared/runtime/clock.js';

const EXPIRED = { syncLog: 700_000, outbox: 150_000, webhookEvent: 150_000 } as const;
const KEPT = 100_000;

export async function benchRetentionPurge(): Promise<object> {
  const stops: Stops = [];
  try {
    const db = createDb({ connectionString: await benchDatabase(stops, 'retention'), maxConnections: 4 });
    stops.push(() => db.destroy());
    const customerId = (await insertCustomer(db, 1, { prefix: 'RT', company_name: 'Retained Co' })).id;
    await seedRows(db, 'syncLog', { count: EXPIRED.syncLog, ageDays: 120, customerId });
    await seedRows(db, 'outbox', { count: EXPIRED.outbox, ageDays: 60, customerId });
    await seedRows(db, 'webhookEvent', { count: EXPIRED.webhookEvent, ageDays: 60, customerId });
    await seedRows(db, 'syncLog', { count: KEPT, ageDays: 10, customerId });
    await sql`ANALYZE`.execute(db);

    // A writer on the purged tables all along: what the sync itself would feel.
    let writing = true;
    let slowestInsertMs = 0;
    const writer = (async () => {
      while (writing) {
        const startedAt = performance.now();
        await db
          .insertInto('hubspot_sync_log')
          .values({ customer_id: customerId, direction: 'NONE', operation: 'RESYNC', status: 'SUCCESS' })
          .execute();
        slowestInsertMs = Math.max(slowestInsertMs, performance.now() - startedAt);
      }
    })();

    const log = createLogger({ level: 'WARNING' });
    const startedAt = performance.now();
    let passes = 0;
    let rows = 0;
    let longestBatchMs = 0;
    for (let complete = false; !complete; passes++) {
      const pass = await purgeExpired({ db, log, now: systemClock }, RETENTION_DEFAULTS);
      rows += Object.values(pass.deleted).reduce((a, b) => a + b, 0);
      longestBatchMs = Math.max(longestBatchMs, pass.longestBatchMs);
      complete = pass.complete;
    }
    const seconds = (performance.now() - startedAt) / 1000;
    writing = false;
    await writer;

    const expired = EXPIRED.syncLog + EXPIRED.outbox + EXPIRED.webhookEvent;
    return {
      rowsExpired: expired,
      rowsKept: KEPT,
      rowsPurged: rows,
      seconds: round(seconds, 1),
      rowsPerSecond: Math.round(rows / seconds),
      passes,
      passBudgetMs: RETENTION_DEFAULTS.maxPassMs,
      batchRows: RETENTION_DEFAULTS.batchRows,
      longestBatchMs: round(longestBatchMs, 1),
      slowestConcurrentInsertMs: round(slowestInsertMs, 1),
      allExpiredPurged: rows === expired,
    };
  } finally {
    await stopAll(stops);
  }
}
