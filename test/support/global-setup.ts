import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../shared/db/migrator.js';
import { startLocalPostgres } from '../../dev/local/embedded-postgres.js';
import { startPubSubEmulator } from '../../dev/local/pubsub-emulator.js';
import { freePort } from './free-port.js';
import { adminQuery } from './admin-query.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a database every test database is cloned from (already migrated). */
    templateDatabaseUrl: string;
    templateDatabaseName: string;
    /** URL of the maintenance database, for CREATE/DROP DATABASE. */
    adminDatabaseUrl: string;
    pubsubEmulatorHost: string;
  }
}

/**
 * One PostgreSQL (embedded, or DATABASE_URL) and one Pub/Sub emulator for the
 * whole run; each test file clones its own database from a migrated template,
 * so suites never share mutable state.
 */
export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `warp-test-pg-${process.pid}`);
    const local = await startLocalPostgres({ dataDir, port: await freePort(), persistent: false });
    stops.push(async () => {
      await local.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    adminUrl = local.adminUrl;
  }

  const templateName = `warp_template_${process.pid}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${templateName}`);
  stops.push(() => adminQuery(adminUrl!, `DROP DATABASE IF EXISTS ${templateName} WITH (FORCE)`));
  const templateUrl = withDatabase(adminUrl, templateName);
  await migrate(templateUrl);

  let emulatorHost = process.env.PUBSUB_EMULATOR_HOST;
  if (!emulatorHost) {
    const emulator = await startPubSubEmulator(await freePort());
    stops.push(emulator.stop);
    emulatorHost = emulator.host;
  }

  project.provide('templateDatabaseUrl', templateUrl);
  project.provide('templateDatabaseName', templateName);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('pubsubEmulatorHost', emulatorHost);

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
