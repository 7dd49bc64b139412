import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { MIGRATION_TABLES } from '../../../shared/db/migrator.js';
import { manifest } from './table-manifest.js';

describe('Kysely table types match the migrated database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  it("has exactly the tables the Database interface names (plus the migrator's own)", async () => {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(t.db);
    const actual = rows
      .map((r) => r.table_name)
      .filter((n) => !(MIGRATION_TABLES as readonly string[]).includes(n))
      .sort();
    expect(actual).toEqual(Object.keys(manifest).sort());
  });

  for (const [table, columns] of Object.entries(manifest)) {
    it(`${table}: every column, its type and nullability`, async () => {
      const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: 'YES' | 'NO' }>`
        SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = ${table}`.execute(t.db);
      const actual = Object.fromEntries(rows.map((r) => [r.column_name, { type: r.data_type, nullable: r.is_nullable === 'YES' }]));
      expect(actual).toEqual(columns);
    });
  }
});
