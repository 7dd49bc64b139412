import { mkdtemp, writeFile, cp } from 'node:fs/promises';
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
      const recorded = await client.query(`SELECT 1 FROM schema_migrations WHERE name = '9999_broken.sql'`);
      expect(recorded.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('refuses badly named migration files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-mig-'));
    await writeFile(path.join(dir, 'create-things.sql'), 'SELECT 1');
    await expect(listMigrations(dir)).rejects.toThrow(/0001_name\.sql/);
  });
});
