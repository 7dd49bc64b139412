import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb } from '../../../shared/db/database.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { waitFor } from '../../support/wait-for.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

it('a session terminated while its connection is checked out is reported, not an uncaught error, and the pool recovers', async () => {
  const lost: Error[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  const db = createDb({
    connectionString: t.url,
    maxConnections: 2,
    applicationName: 'terminated-session',
    onConnectionError: (err) => lost.push(err),
  });
  try {
    const inTransaction = db.transaction().execute(async (tx) => {
      await sql`SELECT 1`.execute(tx);
      // Idle inside an open transaction, as a batch is while it waits for HubSpot.
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'terminated-session' AND pid <> pg_backend_pid()`.execute(t.db);
      await waitFor(async () => lost.length > 0, 'the lost connection to be reported', 5_000);
      await sql`SELECT 1`.execute(tx);
    });
    await expect(inTransaction).rejects.toThrow();
    expect(lost[0]?.message).toMatch(/terminat/i);
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    await db.destroy();
  }
});
