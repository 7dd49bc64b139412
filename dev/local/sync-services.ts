import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@hubspot/api-client';
import { SANDBOX_DEFAULTS } from '../hubspot-sandbox/options.js';
import { startSandbox } from '../hubspot-sandbox/sandbox.js';
import { buildFieldSyncDeps } from '../../functions/field-sync/deps.js';
import { buildOutboxRelayDeps } from '../../functions/outbox-relay/deps.js';
import { buildReconcileDeps } from '../../functions/reconcile/deps.js';
import { loadFieldSyncConfig } from '../../shared/config/field-sync-config.js';
import { loadOutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import { loadReconcileConfig } from '../../shared/config/reconcile-config.js';
import { secretManagerReader } from '../../shared/config/secrets.js';
import { createReconcileHandler } from '../../shared/reconciliation/reconcile-handler.js';
import { createFieldSyncHandler } from '../../shared/outbound-sync/field-sync-handlers.js';
import { createOutboxRelayHandler } from '../../shared/outbox/relay-handler.js';
import { ensureCompanyProperties } from '../../shared/hubspot/ensure-properties.js';
import type { Env } from '../../shared/config/parse-env.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { Db } from '../../shared/db/database.js';
import { poolSizeFor } from '../../shared/db/pool-size.js';
import { lazily } from '../../shared/runtime/lazily.js';
import { startPubSubEmulator } from './pubsub-emulator.js';
import { startPushEndpoint } from './pubsub-push-endpoint.js';
import { ensurePubSubTopology, topologyNames } from './pubsub-topology.js';
import { localDataPaths, requireDatabase, type StackService } from './stack.js';

const LOCAL_PROJECT = 'warp-local';
/** Concurrent deliveries per worker locally, like a function's concurrency; pools are sized from it. */
export const LOCAL_DELIVERIES = 10;
/** Cloud Scheduler ticks the relay every minute in production; locally a shorter beat shows recovery sooner. */
const RELAY_TICK_MS = 15_000;

/** PUBSUB_EMULATOR_HOST if set, else `gcloud beta emulators pubsub start` on PUBSUB_EMULATOR_PORT (8085). */
export const pubsubEmulator: StackService = {
  name: 'Pub/Sub emulator',
  async start(ctx) {
    ctx.env.GOOGLE_CLOUD_PROJECT ??= LOCAL_PROJECT;
    let stop = async (): Promise<void> => undefined;
    if (!ctx.env.PUBSUB_EMULATOR_HOST) {
      const emulator = await startPubSubEmulator(Number(ctx.env.PUBSUB_EMULATOR_PORT ?? 8085));
      // Every Pub/Sub client in this process (and its children) talks to the emulator from here on.
      ctx.env.PUBSUB_EMULATOR_HOST = emulator.host;
      stop = emulator.stop;
    }
    const pubsub = new PubSub({ projectId: ctx.env.GOOGLE_CLOUD_PROJECT });
    const names = await ensurePubSubTopology(pubsub, topologyNames({ outboxTopic: ctx.env.OUTBOX_TOPIC }));
    await pubsub.close();
    return {
      banner: [
        `pub/sub:      emulator at ${ctx.env.PUBSUB_EMULATOR_HOST}; topics ` +
          `${names.outboxTopic}, ${names.webhookTopic}, ${names.relayTickTopic}`,
      ],
      stop,
    };
  },
};

/**
 * The local HubSpot sandbox on HUBSPOT_SANDBOX_PORT (8090) unless HUBSPOT_ACCESS_TOKEN names a real
 * portal; then `hubspot:setup` against whichever it is, so the WARP properties exist.
 */
export const hubspot: StackService = {
  name: 'HubSpot (sandbox) + property setup',
  async start(ctx) {
    const { env } = ctx;
    let stop = async (): Promise<void> => undefined;
    let accessToken = env.HUBSPOT_ACCESS_TOKEN;
    let basePath = env.HUBSPOT_BASE_PATH;
    const banner: string[] = [];
    if (!accessToken) {
      const stateFile = localDataPaths(env).hubspotSandbox;
      const sandbox = await startSandbox({
        port: Number(env.HUBSPOT_SANDBOX_PORT ?? 8090),
        token: env.HUBSPOT_SANDBOX_TOKEN ?? SANDBOX_DEFAULTS.token,
        // Kept like the database, so a restart does not hand out the company ids of its customers again.
        stateFile,
        // Fast retries so a webhook refused while the stack starts is not held back for a minute.
        webhooks: {
          clientSecret: env.HUBSPOT_SANDBOX_CLIENT_SECRET ?? SANDBOX_DEFAULTS.clientSecret,
          retryScheduleMs: [1000, 2000, 5000, 10_000, 30_000],
        },
      });
      stop = sandbox.close;
      accessToken = sandbox.token;
      basePath = sandbox.url;
      ctx.urls.hubspotSandbox = sandbox.url;
      // The functions below read these like deployed functions read theirs.
      env.HUBSPOT_ACCESS_TOKEN = accessToken;
      env.HUBSPOT_READ_TOKEN = sandbox.readToken;
      env.HUBSPOT_BASE_PATH = basePath;
      env.HUBSPOT_APP_ID = String(sandbox.appId);
      banner.push(
        `hubspot:      sandbox ${sandbox.url} (token ${sandbox.token}, read-only ` +
          `${sandbox.readToken}; control API ${sandbox.url}/_sandbox/...; state in ${stateFile})`,
      );
    } else {
      // A real portal: the read-scoped app's token when given; locally the write token may stand in.
      env.HUBSPOT_READ_TOKEN ??= accessToken;
      banner.push(`hubspot:      ${basePath ?? 'https://api.hubapi.com'} (HUBSPOT_ACCESS_TOKEN, reads with HUBSPOT_READ_TOKEN)`);
    }
    const client = new Client({ accessToken, ...(basePath ? { basePath } : {}) });
    const setup = await ensureCompanyProperties(client, createLogger({ level: 'WARNING' }));
    banner.push(
      `              properties: ${setup.created.length} created, ${setup.updated.length} updated, ${setup.found.length} already there`,
    );
    return { banner, stop };
  },
};

/**
 * The field-sync function fed from the outbox subscription, the outbox relay fed by a local
 * "Cloud Scheduler" tick, and the reconcile function fed by its request topic, all built by the
 * deployed functions' own dependency builders.
 */
export const fieldSync: StackService = {
  name: 'field-sync worker + outbox relay + reconcile',
  async start(ctx) {
    const env: Env = {
      ...ctx.env,
      DATABASE_URL: requireDatabase(ctx),
      DATABASE_MAX_CONNECTIONS: ctx.env.DATABASE_MAX_CONNECTIONS ?? String(poolSizeFor(LOCAL_DELIVERIES, 'worker')),
    };
    // Read up front, as each deployed function does at start-up: a bad variable stops the stack.
    const reader = secretManagerReader();
    const fieldSyncConfig = await loadFieldSyncConfig(env, reader);
    const relayConfig = await loadOutboxRelayConfig(env, reader);
    const reconcileConfig = await loadReconcileConfig(env, reader);
    const pubsub = new PubSub({ projectId: env.GOOGLE_CLOUD_PROJECT });
    const names = topologyNames({ outboxTopic: env.OUTBOX_TOPIC });
    const log = createLogger({ level: 'WARNING' });
    // Pools built on first delivery, closed on stop before Postgres goes away under them.
    const pools: Db[] = [];
    const pooled = <T extends { db: Db }>(build: () => T) =>
      lazily(async () => {
        const deps = build();
        pools.push(deps.db);
        return deps;
      });
    const worker = await startPushEndpoint({
      pubsub,
      subscription: names.outboxSubscription,
      handler: createFieldSyncHandler(pooled(() => buildFieldSyncDeps(fieldSyncConfig))),
      maxMessages: LOCAL_DELIVERIES,
      onError: (err) => log.warn('field-sync delivery failed; Pub/Sub will redeliver', { err }),
    });
    const relay = await startPushEndpoint({
      pubsub,
      subscription: names.relaySubscription,
      handler: createOutboxRelayHandler(pooled(() => buildOutboxRelayDeps(relayConfig))),
      onError: (err) => log.warn('outbox relay tick failed', { err }),
    });
    const reconcile = await startPushEndpoint({
      pubsub,
      subscription: names.reconcileSubscription,
      handler: createReconcileHandler(pooled(() => buildReconcileDeps(reconcileConfig))),
      onError: (err) => log.warn('reconcile request failed; Pub/Sub will redeliver', { err }),
    });
    const tickTopic = pubsub.topic(names.relayTickTopic);
    const timer = setInterval(() => {
      tickTopic
        .publishMessage({ json: { tick: new Date().toISOString() } })
        .catch((err: unknown) => log.warn('relay tick not published', { err }));
    }, RELAY_TICK_MS);
    return {
      banner: [
        `field sync:   ${names.outboxSubscription} pushes to fieldSync; relay tick every ${RELAY_TICK_MS / 1000} s -> outboxRelay`,
        `reconcile:    ${names.reconcileTopic} pushes to reconcile (see README: forcing a resync)`,
      ],
      async stop() {
        clearInterval(timer);
        await worker.close();
        await relay.close();
        await reconcile.close();
        await pubsub.close();
        await Promise.all(pools.map((db) => db.destroy()));
      },
    };
  },
};
