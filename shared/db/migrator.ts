import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from '../logging/logger.js';

/** The repository's sql/ folder; migrations are plain numbered files, the source of truth. */
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
// Any constant works; it only has to be the same for every migrating process.
const MIGRATION_LOCK_ID = 724_311_901;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export async function listMigrations(dir = SQL_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  for (const file of files) {
    if (!FILE_PATTERN.test(file)) throw new Error(`Migration file name must look like 0001_name.sql: ${file}`);
  }
  return files;
}

/**
 * Applies pending migrations in order. Each file runs in its own transaction and
 * is recorded in schema_migrations in that same transaction, so a failing file
 * rolls back whole and re-running is a no-op. An advisory lock serialises
 * concurrent migrators (two instances starting at once).
 */
export async function migrate(connectionString: string, log?: Logger, dir = SQL_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const file of await listMigrations(dir)) {
      if (done.has(file)) {
        result.skipped.push(file);
        continue;
      }
      const sql = await readFile(path.join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed and was rolled back: ${(err as Error).message}`, { cause: err });
      }
      result.applied.push(file);
      log?.info('migration applied', { migration: file });
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}
