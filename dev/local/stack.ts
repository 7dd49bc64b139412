import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { buildCustomerApi } from '../../functions/customer-api/wiring.js';
import { signDevAccessToken } from '../../shared/auth/access-token.js';
import { LOCAL_DEV_JWT_SECRET } from '../../shared/auth/dev-secret.js';
import { loadCustomerApiConfig } from '../../shared/config/customer-api-config.js';
import type { Env } from '../../shared/config/parse-env.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createDb } from '../../shared/db/database.js';
import { migrate } from '../../shared/db/migrator.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { startLocalPostgres } from './embedded-postgres.js';
import { seedDemoData, SEED_USERS } from './seed.js';
import { serveHttpFunction } from './serve-http-function.js';
import { expectOwnServerShutdown } from '../../shared/db/log-connection-errors.js';

/**
 * The local stack as an ordered list of services. Each starts with what the
 * earlier ones put in the context (e.g. the database URL) and returns how to
 * stop it plus lines for the banner. Later work appends services (Pub/Sub
 * emulator, HubSpot sandbox on 8090, webhook function on 8081, field-sync worker).
 */
export interface StackContext {
  env: Env;
  /** Set by the database service. */
  databaseUrl?: string;
  /** Filled as services come up, e.g. `customerApi` -> http://127.0.0.1:8080. */
  urls: Record<string, string>;
}

export interface RunningService {
  banner?: string[];
  stop(): Promise<void>;
}

export interface StackService {
  name: string;
  start(ctx: StackContext): Promise<RunningService>;
}

export interface RunningStack {
  banner: string[];
  stop(): Promise<void>;
}

/** Starts services in order; if one fails, those already up are stopped (reverse order). */
export async function startStack(services: readonly StackService[], ctx: StackContext): Promise<RunningStack> {
  const started: Array<{ name: string; running: RunningService }> = [];
  const stop = async () => {
    for (const { name, running } of started.reverse()) {
      await running.stop().catch((err: unknown) => console.error(`stopping ${name} failed:`, err));
    }
  };
  try {
    for (const service of services) {
      console.error(`starting ${service.name}...`);
      started.push({ name: service.name, running: await service.start(ctx) });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { banner: started.flatMap(({ running }) => running.banner ?? []), stop };
}

const LOCAL_DATABASE = 'warp';

/** What the local stack keeps across runs; the sandbox's file sits beside the database it must agree with. */
export function localDataPaths(env: Env): { postgres: string; hubspotSandbox: string } {
  const postgres = path.resolve(env.LOCAL_PG_DATA ?? '.data/postgres');
  return { postgres, hubspotSandbox: path.join(path.dirname(postgres), 'hubspot-sandbox.json') };
}

/** `npm start -- --fresh`: both go together, or the sandbox hands out company ids the database already holds. */
export async function removeLocalData(env: Env): Promise<ReturnType<typeof localDataPaths>> {
  const paths = localDataPaths(env);
  await rm(paths.postgres, { recursive: true, force: true });
  await rm(paths.hubspotSandbox, { force: true });
  return paths;
}

/** DATABASE_URL if set, else embedded PostgreSQL with persistent data under .data/postgres. */
export const database: StackService = {
  name: 'postgres',
  async start(ctx) {
    if (ctx.env.DATABASE_URL) {
      ctx.databaseUrl = ctx.env.DATABASE_URL;
      return { banner: ['database:     DATABASE_URL (external)'], stop: async () => undefined };
    }
    const port = Number(ctx.env.LOCAL_PG_PORT ?? 5433);
    const dataDir = localDataPaths(ctx.env).postgres;
    const cluster = await startLocalPostgres({ dataDir, port, persistent: true });
    // It stops with the stack, and a terminal's Ctrl-C reaches it at once: its shutdown is expected.
    expectOwnServerShutdown();
    try {
      await ensureDatabase(cluster.adminUrl, LOCAL_DATABASE);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    ctx.databaseUrl = cluster.urlFor(LOCAL_DATABASE);
    return { banner: [`database:     ${ctx.databaseUrl} (embedded, data in ${dataDir})`], stop: cluster.stop };
  },
};

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export const migrations: StackService = {
  name: 'migrations + demo seed',
  async start(ctx) {
    const url = requireDatabase(ctx);
    const result = await migrate(url);
    const db = createDb({ connectionString: url, maxConnections: 1 });
    try {
      await seedDemoData(db);
    } finally {
      await db.destroy();
    }
    return {
      banner: [`migrations:   ${result.applied.length} applied, ${result.skipped.length} already there; demo data seeded`],
      stop: async () => undefined,
    };
  },
};

/** The customer API's real handler on the functions-framework Express stack. */
export const customerApi: StackService = {
  name: 'customer API',
  async start(ctx) {
    const env = ctx.env;
    const usesDevSecret = !env.JWT_SECRET && !env.JWT_SECRET_SECRET && !env.JWKS_URL;
    const config = await loadCustomerApiConfig(
      {
        ...env,
        DATABASE_URL: requireDatabase(ctx),
        JWT_SECRET: usesDevSecret ? LOCAL_DEV_JWT_SECRET : env.JWT_SECRET,
        CORS_ALLOWED_ORIGINS: env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173,http://127.0.0.1:5173,http://localhost:3000',
      },
      secretManagerReader(),
    );
    const log = createLogger({ level: config.logLevel, bindings: { function: 'customerApi' } });
    for (const warning of config.warnings) log.warn(warning);
    const publisher = env.PUBSUB_EMULATOR_HOST ? createPubSubPublisher() : undefined;
    const instance = buildCustomerApi(config, log, publisher);
    const served = await serveHttpFunction(instance.api.handle, { hooks: instance.api.frameworkHooks, port: config.port });
    const url = served.url;
    ctx.urls.customerApi = url;
    const banner = [`customer API: ${url}/v1/customers`];
    if (config.jwt.keys.kind === 'secret') {
      const admin = SEED_USERS.superAdmin;
      const token = await signDevAccessToken({ ...admin, secret: config.jwt.keys.secret, ttlSeconds: 8 * 3600 });
      banner.push(
        usesDevSecret
          ? 'JWT secret:   the fixed LOCAL-ONLY dev secret (set JWT_SECRET to use your own)'
          : 'JWT secret:   JWT_SECRET from the environment',
        'superAdmin token (8 h) and API base URL, to paste into your shell:',
        `export TOKEN=${token}`,
        `export API=${url}/v1`,
        'try:          curl -s -H "Authorization: Bearer $TOKEN" "$API/customers" | jq',
        'more tokens:  npm run token -- --user-type customer_admin',
        `console:      ${url}/console/ (sign in with the token above)`,
      );
    }
    return {
      banner,
      async stop() {
        await served.close();
        await instance.close();
      },
    };
  },
};

export function requireDatabase(ctx: StackContext): string {
  if (!ctx.databaseUrl) throw new Error('the database service must start first');
  return ctx.databaseUrl;
}
