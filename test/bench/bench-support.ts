import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalPostgres } from '../../dev/local/embedded-postgres.js';
import { startPubSubEmulator } from '../../dev/local/pubsub-emulator.js';
import { migrate } from '../../shared/db/migrator.js';
import { freePort } from '../support/free-port.js';
import { adminQuery } from '../support/admin-query.js';

/** What a bench started, stopped in reverse order when it ends. */
export type Stops = Array<() => Promise<unknown>>;

/** A fresh migrated database: on DATABASE_URL's server when given, else on an embedded Postgres. */
export async function benchDatabase(stops: Stops, label: string): Promise<string> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `warp-bench-${label}-pg-${process.pid}`);
    const local = await startLocalPostgres({ dataDir, port: await freePort(), persistent: false });
    stops.push(async () => {
      await local.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    adminUrl = local.adminUrl;
  }
  const name = `warp_bench_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  stops.push(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}

/** PUBSUB_EMULATOR_HOST when given, else an emulator of the bench's own on a free port. */
export async function benchEmulator(stops: Stops): Promise<string> {
  if (process.env.PUBSUB_EMULATOR_HOST) return process.env.PUBSUB_EMULATOR_HOST;
  const emulator = await startPubSubEmulator(await freePort());
  stops.push(emulator.stop);
  return emulator.host;
}

export async function stopAll(stops: Stops): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

/** Nearest-rank percentile of an ascending array; p in 0..1. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
