/**
 * The local stack for a chaos run, from the dev/local pieces and the deployed functions' own
 * dependency builders: embedded PostgreSQL of the run's own (so it can be restarted on its data
 * directory), the Pub/Sub emulator (PUBSUB_EMULATOR_HOST or one started here), the sandbox with
 * seeded fault randomness, the customer API over HTTP, the webhook intake + inbound processor,
 * field-sync instances that can be killed, the outbox relay on a timer and the reconcile function.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox } from '../../dev/hubspot-sandbox/sandbox.js';
import { startLocalPostgres, type LocalPostgres } from '../../dev/local/embedded-postgres.js';
import { startInboundService } from '../../dev/local/inbound-service.js';
import { startPubSubEmulator } from '../../dev/local/pubsub-emulator.js';
import { startPullBridge } from '../../dev/local/pubsub-pull-bridge.js';
import { DEFAULT_DELIVERY_POLICY, ensurePubSubTopology, topologyNames, type PubSubTopologyNames } from '../../dev/local/pubsub-topology.js';
import { buildOutboxRelayDeps } from '../../functions/outbox-relay/deps.js';
import { buildInboundDeps } from '../../functions/hubspot-inbound/deps.js';
import { buildReconcileDeps } from '../../functions/reconcile/deps.js';
import { loadInboundConfig } from '../../shared/config/inbound-config.js';
import { loadOutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import { loadReconcileConfig } from '../../shared/config/reconcile-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createCustomerApi } from '../../functions/customer-api/app.js';
import type { Principal } from '../../shared/auth/principal.js';
import type { Env } from '../../shared/config/parse-env.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { migrate } from '../../shared/db/migrator.js';
import { createOutboxRelayHandler } from '../../shared/outbox/relay-handler.js';
import { ensureCompanyProperties } from '../../shared/hubspot/ensure-properties.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createOnOutboxCommitted } from '../../shared/outbox/publish-outbox-row.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import { createReconcileHandler } from '../../shared/reconciliation/reconcile-handler.js';
import { adminQuery } from '../support/admin-query.js';
import { freePort } from '../support/free-port.js';
import { startFieldSyncInstance, type FieldSyncInstance } from './field-sync-instance.js';
import { serveHttpFunction } from '../../dev/local/serve-http-function.js';

const ADMIN: Principal = {
  userId: 'c4a05000-0000-4000-8000-000000000001',
  email: 'chaos@example.com',
  userType: 'superAdmin',
  permissions: ['*'],
  customerScope: { kind: 'ALL' },
};
const DATABASE = 'warp_chaos';
/** Cloud Scheduler ticks the relay every minute; a shorter beat here. */
const RELAY_TICK_MS = 5_000;

export interface ChaosStack {
  db: Db;
  sandbox: RunningSandbox;
  /** A plain api-client on the sandbox (for reads once faults are cleared). */
  inspector: Client;
  apiUrl: string;
  names: PubSubTopologyNames;
  pubsub: PubSub;
  workers: FieldSyncInstance[];
  /** Kills the first live field-sync instance and starts a fresh one in its place. */
  replaceWorker(victim: FieldSyncInstance): Promise<FieldSyncInstance>;
  /** Stops PostgreSQL and starts it again on the same data directory and port. */
  restartDatabase(): Promise<void>;
  /** Publishes a reconcile request; returns its message id. */
  reconcile(request: object): Promise<string>;
  log: string[];
  close(): Promise<void>;
}

type Stop = () => Promise<unknown>;

export async function startChaosStack(options: { random: () => number; workers: number }): Promise<ChaosStack> {
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const dataDir = path.join(os.tmpdir(), `warp-chaos-pg-${process.pid}-${randomBytes(3).toString('hex')}`);
    const pgOptions = { dataDir, port: await freePort(), persistent: true };
    let cluster: LocalPostgres = await startLocalPostgres(pgOptions);
    stops.push(async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    });
    await adminQuery(cluster.adminUrl, `CREATE DATABASE ${DATABASE}`);
    const databaseUrl = cluster.urlFor(DATABASE);
    await migrate(databaseUrl);
    const db = createDb({ connectionString: databaseUrl, maxConnections: 4, applicationName: 'chaos-harness' });
    stops.push(() => db.destroy());

    if (!process.env.PUBSUB_EMULATOR_HOST) {
      const emulator = await startPubSubEmulator(await freePort());
      stops.push(emulator.stop);
      process.env.PUBSUB_EMULATOR_HOST = emulator.host;
    }
    process.env.GOOGLE_CLOUD_PROJECT ??= 'warp-chaos';
    const pubsub = new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT });
    stops.push(() => pubsub.close());
    const names = await ensurePubSubTopology(pubsub, topologyNames({ suffix: `chaos-${randomBytes(4).toString('hex')}` }), {
      ...DEFAULT_DELIVERY_POLICY,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 10,
      ackDeadlineSeconds: 30,
    });

    const sandbox = await startSandbox({
      port: 0,
      random: options.random,
      webhooks: { retryScheduleMs: [1000, 2000, 5000, 10_000, 30_000] },
    });
    stops.push(() => sandbox.close());
    const inspector = new Client({ accessToken: sandbox.token, basePath: sandbox.url });
    const log: string[] = [];
    const logger = createLogger({ level: 'WARNING', sink: (line) => log.push(line) });
    await ensureCompanyProperties(inspector, logger);

    // What each deployed function reads; process-wide HUBSPOT_* / FIELD_SYNC_* overrides pass through.
    const env: Env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HUBSPOT_ACCESS_TOKEN: sandbox.token,
      HUBSPOT_READ_TOKEN: sandbox.readToken,
      HUBSPOT_BASE_PATH: sandbox.url,
      HUBSPOT_APP_ID: String(sandbox.appId),
      OUTBOX_TOPIC: names.outboxTopic,
      HUBSPOT_EVENTS_TOPIC: names.webhookTopic,
      INBOUND_MAX_ATTEMPTS: String(DEFAULT_DELIVERY_POLICY.maxDeliveryAttempts),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARNING',
    };

    const outboxPublisher = createPubSubPublisher(pubsub);
    stops.push(() => outboxPublisher.close());
    const apiUrl = await serveCustomerApi(db, outboxPublisher, names.outboxTopic, stops);

    const intakeDb = createDb({ connectionString: databaseUrl, maxConnections: 5, applicationName: 'hubspot-webhook' });
    stops.push(() => intakeDb.destroy());
    const inboundDeps = buildInboundDeps(await loadInboundConfig(env, secretManagerReader()));
    stops.push(() => inboundDeps.db.destroy());
    const inbound = await startInboundService({
      db: intakeDb,
      pubsub,
      outboxPublisher,
      names,
      companies: inboundDeps.companies,
      log: logger,
      webhook: { port: 0, clientSecret: sandbox.clientSecret },
      maxAttempts: DEFAULT_DELIVERY_POLICY.maxDeliveryAttempts,
      decorateDeps: () => inboundDeps,
    });
    stops.push(() => inbound.close());
    await sandbox.control.setWebhookTarget(inbound.webhookUrl);

    let workerCount = 0;
    const startWorker = () =>
      startFieldSyncInstance({ env, pubsub, subscription: names.outboxSubscription, workerId: `field-sync-${++workerCount}` });
    const workers: FieldSyncInstance[] = [];
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker());
    stops.push(() => Promise.all(workers.map((w) => w.close())));

    const relayDeps = buildOutboxRelayDeps(await loadOutboxRelayConfig(env, secretManagerReader()));
    stops.push(() => relayDeps.db.destroy());
    const relay = createOutboxRelayHandler(async () => relayDeps);
    const relayTimer = setInterval(() => void relay({} as never).catch(() => undefined), RELAY_TICK_MS);
    stops.push(async () => clearInterval(relayTimer));

    const reconcileDeps = buildReconcileDeps(await loadReconcileConfig(env, secretManagerReader()));
    stops.push(() => reconcileDeps.db.destroy());
    const reconciler = await startPullBridge({
      pubsub,
      subscription: names.reconcileSubscription,
      handler: createReconcileHandler(async () => reconcileDeps),
      maxMessages: 2,
    });
    stops.push(() => reconciler.close());

    return {
      db,
      sandbox,
      inspector,
      apiUrl,
      names,
      pubsub,
      workers,
      log,
      async replaceWorker(victim) {
        await victim.kill(db);
        workers.splice(workers.indexOf(victim), 1);
        const fresh = await startWorker();
        workers.push(fresh);
        return fresh;
      },
      async restartDatabase() {
        await cluster.stop();
        cluster = await startLocalPostgres(pgOptions);
      },
      reconcile: (request) => pubsub.topic(names.reconcileTopic).publishMessage({ json: request }),
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The customer API's real handler on functions-framework's Express stack; every caller is an admin. */
async function serveCustomerApi(
  db: Db,
  publisher: ReturnType<typeof createPubSubPublisher>,
  topic: string,
  stops: Stop[],
): Promise<string> {
  const api = createCustomerApi({
    db,
    authenticator: { authenticate: async () => ADMIN },
    log: createLogger({ level: 'ERROR', sink: (line) => process.stderr.write(`${line}\n`) }),
    corsAllowedOrigins: [],
    onOutboxCommitted: createOnOutboxCommitted({ db, publisher, topic }),
  });
  const served = await serveHttpFunction(api.handle, { hooks: api.frameworkHooks });
  stops.push(served.close);
  return `${served.url}/v1`;
}
