import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logging/logger.js';

/** The repository's sql/ folder; migrations are plain numbered files, the source of truth. */
export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
/** Kysely's own bookkeeping tables; the checksums are ours (Kysely keeps none). */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock', 'schema_migration_checksums'] as const;
// Serialises the steps around Kysely's migrator across processes starting at once.
const SETUP_LOCK_ID = 724_311_901;

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

interface MigrationFile {
  name: string;
  text: string;
  sha256: string;
}

async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  return Promise.all(
    (await listMigrations(dir)).map(async (name) => {
      const text = await readFile(path.join(dir, name), 'utf8');
      return { name, text, sha256: createHash('sha256').update(text).digest('hex') };
    }),
  );
}

/** Serves the .sql files to Kysely's Migrator; each records its checksum in the same transaction. */
function sqlFileProvider(files: readonly MigrationFile[]): MigrationProvider {
  return {
    async getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const file of files) {
        migrations[file.name] = {
          async up(db) {
            await sql.raw(file.text).execute(db);
            await sql`INSERT INTO schema_migration_checksums (name, sha256) VALUES (${file.name}, ${file.sha256})`.execute(db);
          },
        };
      }
      return migrations;
    },
  };
}

/**
 * Applies pending migrations in order through Kysely's Migrator, all of a run in one
 * transaction (a failing file rolls the run back whole, so re-running retries it). An applied
 * file edited since is refused before anything runs: it would otherwise be skipped silently and
 * the schema would not be what the file says.
 */
export async function migrate(connectionString: string, log?: Logger, dir = SQL_DIR): Promise<MigrationResult> {
  // Two connections: one holds the session lock, the other does the work.
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 2 }) }) });
  try {
    return await db.connection().execute(async (lock) => {
      await sql`SELECT pg_advisory_lock(${SETUP_LOCK_ID})`.execute(lock);
      try {
        return await migrateLocked(db, await readMigrationFiles(dir), log);
      } finally {
        await sql`SELECT pg_advisory_unlock(${SETUP_LOCK_ID})`.execute(lock);
      }
    });
  } finally {
    await db.destroy();
  }
}

async function migrateLocked(db: Kysely<unknown>, files: readonly MigrationFile[], log?: Logger): Promise<MigrationResult> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migration_checksums (name text PRIMARY KEY, sha256 text NOT NULL)`.execute(db);
  await adoptLegacyBookkeeping(db);
  const applied = await appliedMigrations(db);
  await refuseEditedMigrations(db, files, applied);
  const { error, results = [] } = await new Migrator({ db, provider: sqlFileProvider(files) }).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'a migration';
    throw new Error(`Migration ${failed} failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
  const done = results.map((r) => r.migrationName);
  for (const name of done) log?.info('migration applied', { migration: name });
  return { applied: done, skipped: files.map((f) => f.name).filter((name) => !done.includes(name)) };
}

/**
 * Databases migrated before Kysely's Migrator kept their applied files in schema_migrations: they
 * move to Kysely's table (the definition it would create) in one transaction, once.
 */
async function adoptLegacyBookkeeping(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ legacy: string | null; kysely: string | null }>`
      SELECT to_regclass('public.schema_migrations')::text AS legacy, to_regclass('public.kysely_migration')::text AS kysely`.execute(tx);
    if (!rows[0]?.legacy || rows[0].kysely) return;
    await sql`CREATE TABLE kysely_migration (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`.execute(tx);
    await sql`
      INSERT INTO kysely_migration (name, timestamp)
      SELECT name, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM schema_migrations`.execute(tx);
    await sql`DROP TABLE schema_migrations`.execute(tx);
  });
}

async function appliedMigrations(db: Kysely<unknown>): Promise<Set<string>> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db).catch((err: unknown) => {
    // Before the first run Kysely has not created its table yet.
    if ((err as { code?: string }).code === '42P01') return { rows: [] };
    throw err;
  });
  return new Set(rows.map((r) => r.name));
}

/** Files applied before checksums were kept get theirs now, as they are; from then on they are checked. */
async function refuseEditedMigrations(db: Kysely<unknown>, files: readonly MigrationFile[], applied: ReadonlySet<string>): Promise<void> {
  const stored = new Map(
    (await sql<{ name: string; sha256: string }>`SELECT name, sha256 FROM schema_migration_checksums`.execute(db)).rows.map((r) => [
      r.name,
      r.sha256,
    ]),
  );
  const edited = files.filter((f) => applied.has(f.name) && stored.has(f.name) && stored.get(f.name) !== f.sha256).map((f) => f.name);
  if (edited.length > 0) {
    throw new Error(`Applied migrations were edited since (add a new migration instead): ${edited.join(', ')}`);
  }
  for (const file of files.filter((f) => applied.has(f.name) && !stored.has(f.name))) {
    await sql`INSERT INTO schema_migration_checksums (name, sha256) VALUES (${file.name}, ${file.sha256})`.execute(db);
  }
}
