import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSavepoint } from '../../../shared/db/savepoint.js';
import type { Tx } from '../../../shared/db/database.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

describe('inSavepoint', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await sql`CREATE TABLE test_savepoint (id int PRIMARY KEY, n int CHECK (n > 0))`.execute(t.db);
  });
  afterAll(() => t.destroy());

  /** Runs `fn` in a savepoint after a committed-to-be write; returns what inSavepoint did and the rows left. */
  async function attempt(id: number, fn: (tx: Tx) => Promise<unknown>) {
    let result: unknown;
    let thrown: unknown;
    await t.db
      .transaction()
      .execute(async (tx) => {
        await sql`INSERT INTO test_savepoint VALUES (${id}, 1)`.execute(tx);
        result = await inSavepoint(tx, () => fn(tx));
      })
      .catch((err: unknown) => (thrown = err));
    const rows = await sql<{ id: number }>`SELECT id FROM test_savepoint WHERE id >= ${id} AND id < ${id + 10} ORDER BY id`.execute(t.db);
    return { result, thrown, ids: rows.rows.map((r) => r.id) };
  }

  it.each([
    ['22 data exception', 10, (tx: Tx) => sql`SELECT 1 / 0`.execute(tx), '22012'],
    ['23 integrity constraint violation', 20, (tx: Tx) => sql`INSERT INTO test_savepoint VALUES (21, -1)`.execute(tx), '23514'],
    ['P0 raise_exception', 30, (tx: Tx) => sql`DO $$ BEGIN RAISE EXCEPTION 'refused'; END $$`.execute(tx), 'P0001'],
  ])('isolates a %s: undoes only its writes and returns it', async (_name, id, fail, code) => {
    const { result, thrown, ids } = await attempt(id, async (tx) => {
      await sql`INSERT INTO test_savepoint VALUES (${id + 1}, 1)`.execute(tx);
      await fail(tx);
    });
    expect(thrown).toBeUndefined();
    expect(result).toMatchObject({ ok: false, retryable: false, error: { code } });
    expect(ids).toEqual([id]);
  });

  it.each([
    ['serialization failure', 80, '40001'],
    ['deadlock', 90, '40P01'],
    ['lock not available', 100, '55P03'],
    ['statement timeout', 110, '57014'],
  ])('isolates a transient %s as retryable: undoes only its writes', async (_name, id, code) => {
    const { result, thrown, ids } = await attempt(id, async (tx) => {
      await sql`INSERT INTO test_savepoint VALUES (${id + 1}, 1)`.execute(tx);
      await sql.raw(`DO $$ BEGIN RAISE EXCEPTION 'transient' USING ERRCODE = '${code}'; END $$`).execute(tx);
    });
    expect(thrown).toBeUndefined();
    expect(result).toMatchObject({ ok: false, retryable: true, error: { code } });
    expect(ids).toEqual([id]);
  });

  it.each([
    ['a programming error of the statement (42P01)', 40, (tx: Tx) => sql`SELECT * FROM no_such_table`.execute(tx), { code: '42P01' }],
    [
      'an error without a SQLSTATE (a bug, a broken invariant)',
      60,
      () => Promise.reject(new Error('invariant broken')),
      { message: 'invariant broken' },
    ],
    [
      'a connection error (a code that is no SQLSTATE)',
      70,
      () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      { code: 'ECONNREFUSED' },
    ],
  ])('rethrows %s so the whole batch is retried', async (_name, id, fail, error) => {
    const { result, thrown, ids } = await attempt(id, async (tx) => {
      await sql`INSERT INTO test_savepoint VALUES (${id + 1}, 1)`.execute(tx);
      await fail(tx);
    });
    expect(result).toBeUndefined();
    expect(thrown).toMatchObject(error);
    expect(ids).toEqual([]);
  });
});
