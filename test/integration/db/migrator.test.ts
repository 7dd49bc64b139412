import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, listMigrations, SQL_DIR } from '../../../shared/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

describe('migrator', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());
  const query = async (text: string) => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      return (await client.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };

  it('re-running on a migrated database applies nothing', async () => {
    const result = await migrate(t.url);
    expect(result.applied).toEqual([]);
    expect(result.skipped).toEqual(await listMigrations());
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-mig-'));
    await cp(SQL_DIR, dir, { recursive: true });
    await writeFile(
      path.join(dir, '9999_broken.sql'),
      'CREATE TABLE half_written (id int);\nINSERT INTO half_written VALUES (1);\nSELECT no_such_function();',
    );
    await expect(migrate(t.url, undefined, dir)).rejects.toThrow(/9999_broken\.sql failed and was rolled back/);
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const table = await client.query(`SELECT to_regclass('public.half_written') AS t`);
      expect(table.rows[0].t).toBeNull();
      const recorded = await client.query(`SELECT 1 FROM kysely_migration WHERE name = '9999_broken.sql'`);
      expect(recorded.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('refuses to start when an applied migration was edited since, naming it, and runs nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-mig-'));
    await cp(SQL_DIR, dir, { recursive: true });
    const [first] = await listMigrations(dir);
    await writeFile(path.join(dir, first!), `${await readFile(path.join(dir, first!), 'utf8')}\n-- edited\n`);
    await writeFile(path.join(dir, '9998_pending.sql'), 'CREATE TABLE never_created (id int);');
    await expect(migrate(t.url, undefined, dir)).rejects.toThrow(new RegExp(`edited since.*${first}`));
    expect(await query(`SELECT to_regclass('public.never_created') AS t`)).toEqual([{ t: null }]);
  });

  it("moves a database migrated before Kysely's Migrator to its bookkeeping, once, applying nothing twice", async () => {
    await query(`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await query(`INSERT INTO schema_migrations (name) SELECT name FROM kysely_migration`);
    await query(`DROP TABLE kysely_migration`);
    await query(`DELETE FROM schema_migration_checksums`);
    const result = await migrate(t.url);
    expect(result.applied).toEqual([]);
    expect(await query(`SELECT to_regclass('public.schema_migrations') AS t`)).toEqual([{ t: null }]);
    expect((await query(`SELECT count(*)::int AS n FROM schema_migration_checksums`))[0]).toEqual({ n: (await listMigrations()).length });
  });

  it('refuses badly named migration files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-mig-'));
    await writeFile(path.join(dir, 'create-things.sql'), 'SELECT 1');
    await expect(listMigrations(dir)).rejects.toThrow(/0001_name\.sql/);
  });
});
