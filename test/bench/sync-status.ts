/**
 * GET /v1/sync/status at production scale: 100k customers, 1M sync log rows, 10k pending outbox
 * rows (plus failures, conflicts and links needing attention), on the real handler over
 * functions-framework's HTTP stack with real token verification and Gatekeeper. Latency from a
 * sequential loop on loopback.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { seedDemoData, SEED_USERS } from '../../dev/local/seed.js';
import { createCustomerApi } from '../../functions/customer-api/app.js';
import { createAccessTokenVerifier, signDevAccessToken } from '../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../shared/auth/gatekeeper.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logging/logger.js';
import { benchDatabase, percentile, round, stopAll, type Stops } from './bench-support.js';
import { serveHttpFunction } from '../../dev/local/serve-http-function.js';

export interface SyncStatusBenchOptions {
  customers?: number;
  logRows?: number;
  pendingOutbox?: number;
  requests?: number;
}

const SECRET = randomBytes(32).toString('hex');

/** Everything in generate_series statements: the shape of a busy production database. */
async function seed(db: Db, o: Required<Omit<SyncStatusBenchOptions, 'requests'>>): Promise<void> {
  await sql`
    INSERT INTO customers (ban, company_name, customer_type, contact, address, hubspot_company_id, hubspot_link_status)
    SELECT chr(65 + i % 26) || chr(65 + (i / 26) % 26) || '-' || lpad(i::text, 9, '0'), 'Bench Co ' || i, 'POSTPAID',
           jsonb_build_object('name', 'C ' || i, 'email', 'c' || i || '@example.com'),
           jsonb_build_object('line1', i || ' Main St', 'city', 'Denver', 'country', 'US'),
           CASE WHEN i % 1000 = 0 THEN NULL ELSE (1000000 + i)::text END,
           CASE WHEN i % 1000 = 0 THEN 'DELETED' ELSE 'LINKED' END
      FROM generate_series(1, ${o.customers}) AS i`.execute(db);
  // Customers in a random order, so the log's customer ids are spread like real traffic.
  await sql`
    INSERT INTO hubspot_sync_log (customer_id, direction, operation, status, error_code, created_at)
    SELECT c.id, 'WARP_TO_HUBSPOT', 'PUSH', CASE WHEN g % 50 = 0 THEN 'FAILED' ELSE 'SUCCESS' END,
           CASE WHEN g % 50 = 0 THEN 'HUBSPOT_VALIDATION' END, now() - (${o.logRows} - g) * interval '1 second'
      FROM generate_series(1, ${o.logRows}) AS g
      JOIN (SELECT id, row_number() OVER () AS n FROM customers) c ON c.n = 1 + g % ${o.customers}`.execute(db);
  // The daily history: every customer's work done, then a backlog and some failures on top.
  await sql`
    INSERT INTO hubspot_sync_queue (customer_id, operation, origin, status, published_at, processed_at, created_at)
    SELECT id, 'UPDATE', 'WARP', 'DONE', now(), now(), now() - interval '1 day' FROM customers`.execute(db);
  await sql`
    INSERT INTO hubspot_sync_queue (customer_id, operation, origin, status, created_at)
    SELECT c.id, 'UPDATE', 'WARP', 'PENDING', now() - g * interval '10 ms'
      FROM generate_series(1, ${o.pendingOutbox}) AS g
      JOIN (SELECT id, row_number() OVER () AS n FROM customers) c ON c.n = 1 + g % ${o.customers}`.execute(db);
  await sql`
    INSERT INTO hubspot_sync_queue (customer_id, operation, origin, status, attempts, last_error, processed_at)
    SELECT id, 'UPDATE', 'WARP', 'FAILED', 5, 'given up', now() FROM customers LIMIT 25`.execute(db);
  await sql`
    INSERT INTO hubspot_field_state (customer_id, warp_field, hubspot_property, base_value,
      conflict_status, conflict_warp_value, conflict_hubspot_value, conflict_opened_at)
    SELECT id, 'legal_name', 'warp_legal_name', 'Base', 'OPEN', 'W', 'H', now() FROM customers LIMIT 40`.execute(db);
  await sql`INSERT INTO hubspot_reconciliation_runs (trigger, status, finished_at) VALUES ('SCHEDULER', 'SUCCEEDED', now())`.execute(db);
  await sql`ANALYZE`.execute(db);
}

export async function benchSyncStatus(options: SyncStatusBenchOptions = {}): Promise<object> {
  const sizes = {
    customers: options.customers ?? 100_000,
    logRows: options.logRows ?? 1_000_000,
    pendingOutbox: options.pendingOutbox ?? 10_000,
  };
  const requests = options.requests ?? 500;
  const stops: Stops = [];
  try {
    const url = await benchDatabase(stops, 'sync-status');
    const db = createDb({ connectionString: url, maxConnections: 10, statementTimeoutMs: 600_000 });
    stops.push(() => db.destroy());
    await seedDemoData(db);
    const seedStarted = performance.now();
    await seed(db, sizes);
    const seedMs = Math.round(performance.now() - seedStarted);

    const api = createCustomerApi({
      db,
      authenticator: createRequestAuthenticator({
        verifier: createAccessTokenVerifier({ secret: SECRET }),
        gatekeeper: createGatekeeper(db),
      }),
      log: createLogger({ level: 'ERROR' }),
      corsAllowedOrigins: [],
    });
    const served = await serveHttpFunction(api.handle, { hooks: api.frameworkHooks });
    stops.push(served.close);
    const target = `${served.url}/v1/sync/status`;
    const headers = { authorization: `Bearer ${await signDevAccessToken({ ...SEED_USERS.superAdmin, secret: SECRET, ttlSeconds: 3600 })}` };

    let last: { outbox: { backlog: { count: number } }; customersNeedingAttention: { count: number } } | undefined;
    const once = async () => {
      const started = performance.now();
      const res = await fetch(target, { headers });
      if (res.status !== 200) throw new Error(`bench request failed: ${res.status} ${await res.text()}`);
      last = ((await res.json()) as { data: NonNullable<typeof last> }).data;
      return performance.now() - started;
    };
    for (let i = 0; i < 30; i++) await once();
    const latencies: number[] = [];
    for (let i = 0; i < requests; i++) latencies.push(await once());
    latencies.sort((a, b) => a - b);
    return {
      ...sizes,
      seed_ms: seedMs,
      requests,
      p50_ms: round(percentile(latencies, 0.5)),
      p99_ms: round(percentile(latencies, 0.99)),
      max_ms: round(latencies[latencies.length - 1]!),
      backlog_seen: last?.outbox.backlog.count,
      customers_needing_attention_seen: last?.customersNeedingAttention.count,
      target: 'p99 < 50 ms',
    };
  } finally {
    await stopAll(stops);
  }
}
