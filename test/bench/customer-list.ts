/**
 * Customer list and search at 100k customers: embedded PostgreSQL, the real
 * handler on functions-framework's HTTP stack, real token verification and
 * Gatekeeper. Latency from a sequential loop; throughput from a bounded
 * concurrent loop, both on loopback.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { startLocalPostgres } from '../../dev/local/embedded-postgres.js';
import { seedDemoData, SEED_USERS } from '../../dev/local/seed.js';
import { createCustomerApi } from '../../functions/customer-api/app.js';
import { createAccessTokenVerifier, signDevAccessToken } from '../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../shared/auth/gatekeeper.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { migrate } from '../../shared/db/migrator.js';
import { createLogger } from '../../shared/logging/logger.js';
import { freePort } from '../support/free-port.js';
import { serveHttpFunction } from '../../dev/local/serve-http-function.js';

export interface CustomerListBenchOptions {
  customers?: number;
  requests?: number;
  concurrency?: number;
}

const WORDS = [
  'Aurora',
  'Blue',
  'Cedar',
  'Delta',
  'Evergreen',
  'Falcon',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Keystone',
  'Lumen',
  'Maple',
  'Nimbus',
  'Orion',
  'Pioneer',
  'Quartz',
  'Redwood',
  'Summit',
  'Tidal',
  'Union',
  'Vector',
  'Willow',
  'Zenith',
];
const KINDS = ['Telecom', 'Voice', 'Networks', 'Communications', 'Carriers', 'Fiber', 'Wireless', 'Data'];
const SECRET = randomBytes(32).toString('hex');

/** 100k rows in one generate_series INSERT: names from word lists, unique BANs, spread creation times. */
async function insertCustomers(db: Db, count: number): Promise<void> {
  await sql`
    INSERT INTO customers (ban, company_name, legal_name, status, customer_type, contact, address, credit_limit, created_at, updated_at)
    SELECT
      chr(65 + i % 26) || chr(65 + (i / 26) % 26) || '-' || lpad(i::text, 9, '0'),
      (${WORDS}::text[])[1 + i % ${WORDS.length}] || ' ' || (${WORDS}::text[])[1 + (i / 7) % ${WORDS.length}] || ' '
        || (${KINDS}::text[])[1 + (i / 3) % ${KINDS.length}] || ' ' || i,
      CASE WHEN i % 2 = 0 THEN (${WORDS}::text[])[1 + (i / 11) % ${WORDS.length}] || ' Holdings ' || i END,
      (ARRAY['ACTIVE','ACTIVE','ACTIVE','SUSPENDED','TRIAL','CLOSED'])[1 + i % 6],
      (ARRAY['PREPAID','POSTPAID','RESELLER'])[1 + i % 3],
      jsonb_build_object('name', 'Contact ' || i, 'email', 'c' || i || '@example.com', 'phone', '+1 555 0100'),
      jsonb_build_object('line1', i || ' Main St', 'city', 'Denver', 'state', 'CO', 'zip', '80202', 'country', 'US'),
      (i % 1000) * 10.25,
      now() - i * interval '1 minute',
      now() - i * interval '1 minute'
    FROM generate_series(1, ${count}) AS i`.execute(db);
  await sql`ANALYZE customers`.execute(db);
}

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

async function measure(urls: () => string, headers: Record<string, string>, requests: number, concurrency: number) {
  const once = async () => {
    const started = performance.now();
    const res = await fetch(urls(), { headers });
    if (res.status !== 200) throw new Error(`bench request failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - started;
  };
  for (let i = 0; i < 30; i++) await once();
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) latencies.push(await once());
  latencies.sort((a, b) => a - b);
  const started = performance.now();
  let remaining = requests;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (remaining-- > 0) await once();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    requests,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: percentile(latencies, 100),
    sequential_rps: Math.round(requests / (latencies.reduce((a, b) => a + b, 0) / 1000)),
    concurrent_rps: Math.round(requests / seconds),
    concurrency,
  };
}

export async function benchCustomerList(options: CustomerListBenchOptions = {}): Promise<object> {
  const customers = options.customers ?? 100_000;
  const requests = options.requests ?? 500;
  const concurrency = options.concurrency ?? 8;
  const dataDir = path.join(os.tmpdir(), `warp-bench-customers-${process.pid}`);
  const cluster = await startLocalPostgres({ dataDir, port: await freePort(), persistent: false });
  const client = new pg.Client({ connectionString: cluster.adminUrl });
  await client.connect();
  await client.query('CREATE DATABASE warp_bench');
  await client.end();
  const url = cluster.urlFor('warp_bench');
  const db = createDb({ connectionString: url, maxConnections: 10, statementTimeoutMs: 120_000 });
  try {
    await migrate(url);
    await seedDemoData(db);
    const insertStarted = performance.now();
    await insertCustomers(db, customers);
    const insertMs = Math.round(performance.now() - insertStarted);

    const verifier = createAccessTokenVerifier({ secret: SECRET });
    const api = createCustomerApi({
      db,
      authenticator: createRequestAuthenticator({ verifier, gatekeeper: createGatekeeper(db) }),
      log: createLogger({ level: 'ERROR' }),
      corsAllowedOrigins: [],
    });
    const served = await serveHttpFunction(api.handle, { hooks: api.frameworkHooks });
    const base = `${served.url}/v1/customers`;
    const admin = SEED_USERS.superAdmin;
    const headers = { authorization: `Bearer ${await signDevAccessToken({ ...admin, secret: SECRET, ttlSeconds: 3600 })}` };

    // Which indexes the search predicate uses (the same ILIKE the repository builds).
    const plan = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN SELECT count(*) FROM customers
      WHERE company_name ILIKE '%zenith%' OR legal_name ILIKE '%zenith%' OR ban ILIKE '%zenith%'`.execute(db);
    const searchIndexes =
      plan.rows
        .map((r) => r['QUERY PLAN'])
        .join('\n')
        .match(/customers_\w+_trgm/g) ?? [];

    let n = 0;
    const terms = ['zenith', 'harbor holdings', 'lumen fiber', 'ab-0000', '4242', 'quartz tidal'];
    try {
      return {
        customers: customers + 5,
        insert_ms: insertMs,
        list_page_of_20: await measure(() => `${base}?per_page=20&page=${1 + (n++ % 50)}`, headers, requests, concurrency),
        list_status_filter: await measure(
          () => `${base}?per_page=20&status=SUSPENDED&page=${1 + (n++ % 20)}`,
          headers,
          requests,
          concurrency,
        ),
        search_page_of_20: await measure(
          () => `${base}?per_page=20&search=${encodeURIComponent(terms[n++ % terms.length]!)}`,
          headers,
          requests,
          concurrency,
        ),
        search_terms: terms,
        search_uses_indexes: [...new Set(searchIndexes)],
        target: 'p99 < 50 ms for a page of 20 with a search term',
      };
    } finally {
      await served.close();
    }
  } finally {
    await db.destroy();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
