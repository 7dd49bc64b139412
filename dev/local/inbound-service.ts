import type { AddressInfo } from 'node:net';
import { PubSub } from '@google-cloud/pubsub';
import { createControlClient } from '../hubspot-sandbox/control-client.js';
import { createHubspotWebhook } from '../../functions/hubspot-webhook/handler.js';
import { poolSizeFor } from '../../shared/db/pool-size.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { createHubspotClient } from '../../shared/hubspot/client/index.js';
import type { SignatureVersion } from '../../shared/hubspot/webhook-signature.js';
import { createInboundHandler } from '../../shared/inbound-sync/inbound-handler.js';
import type { InboundDeps } from '../../shared/inbound-sync/process-webhook-event.js';
import { createLogger, type Logger } from '../../shared/logging/logger.js';
import { createPubSubPublisher, type EventBatchPublisher, type MessagePublisher } from '../../shared/pubsub/publisher.js';
import { startPullBridge } from './pubsub-pull-bridge.js';
import type { MessageDelivery } from './pubsub-delivery.js';
import { startPushEndpoint } from './pubsub-push-endpoint.js';
import { serveHttpFunction } from './serve-http-function.js';
import { SANDBOX_DEFAULTS } from '../hubspot-sandbox/options.js';
import { LOCAL_DELIVERIES } from './sync-services.js';
import { DEFAULT_DELIVERY_POLICY, ensurePubSubTopology, topologyNames, type PubSubTopologyNames } from './pubsub-topology.js';
import type { StackService } from './stack.js';
import { systemClock } from '../../shared/runtime/clock.js';

/**
 * The HubSpot-to-WARP half of the local stack (and of the inbound tests and bench): the webhook
 * intake function served over HTTP (HubSpot, or the sandbox, posts signed events to `webhookUrl`),
 * and the inbound processor behind its own functions-framework server, to which the webhook
 * subscription pushes as it does to the deployed function. The topology must exist (ensurePubSubTopology).
 */
export interface InboundServiceOptions {
  db: Db;
  /** For the intake's publisher and the push subscription; left open on close (the caller owns it). */
  pubsub: PubSub;
  /** Publishes the RESYNC requests to the outbox topic; left open on close. */
  outboxPublisher: MessagePublisher;
  names: Pick<PubSubTopologyNames, 'webhookTopic' | 'webhookSubscription' | 'outboxTopic'>;
  companies: InboundDeps['companies'];
  log: Logger;
  webhook: {
    /** 8081 in the local stack, 0 (any free port) in tests. */
    port: number;
    host?: string;
    path?: string;
    clientSecret: string;
    acceptedVersions?: readonly SignatureVersion[];
  };
  /** = the subscription's dead-letter maxDeliveryAttempts. */
  maxAttempts: number;
  /** Concurrent deliveries to the processor. */
  maxMessages?: number;
  /** How the webhook subscription reaches the processor: pushed as deployed (default), or pulled (see pubsub-push-endpoint.ts). */
  delivery?: 'push' | 'pull';
  /** Wraps the processor's dependencies (tests inject failures here). */
  decorateDeps?: (deps: InboundDeps) => InboundDeps;
  /** Wraps the intake's publisher (tests make publishing fail, so HubSpot delivers again). */
  decorateIntakePublisher?: (publisher: EventBatchPublisher) => EventBatchPublisher;
}

export interface InboundService {
  /** Point HubSpot's (or the sandbox's) webhook target here. */
  webhookUrl: string;
  delivery: MessageDelivery;
  close(): Promise<void>;
}

export async function startInboundService(options: InboundServiceOptions): Promise<InboundService> {
  const host = options.webhook.host ?? '127.0.0.1';
  const path = options.webhook.path ?? '/hubspot/webhook';
  const server = await listen(options, host);
  const { port } = server.served.server.address() as AddressInfo;
  const webhookUrl = `http://${host}:${port}${path}`;
  server.setPublicUrl(webhookUrl);

  const deps: InboundDeps = {
    db: options.db,
    companies: options.companies,
    outbox: { db: options.db, publisher: options.outboxPublisher, topic: options.names.outboxTopic },
    log: options.log.child({ component: 'hubspot-inbound' }),
    maxAttempts: options.maxAttempts,
  };
  const processorDeps = options.decorateDeps ? options.decorateDeps(deps) : deps;
  const subscribe = options.delivery === 'pull' ? startPullBridge : startPushEndpoint;
  const delivery = await subscribe({
    pubsub: options.pubsub,
    subscription: options.names.webhookSubscription,
    handler: createInboundHandler(async () => processorDeps),
    maxMessages: options.maxMessages ?? 10,
    // Failures are counted on the event row and logged by the processor; the 500 nacks.
    onError: () => undefined,
  });
  return {
    webhookUrl,
    delivery,
    async close() {
      await server.served.close();
      await delivery.close();
    },
  };
}

/** The webhook function on functions-framework's own HTTP stack (raw body, parsers) on a real port. */
async function listen(options: InboundServiceOptions, host: string) {
  // The public URL is only known once the port is: the intake reads it per request.
  let publicUrl = '';
  const intakeLog = options.log.child({ component: 'hubspot-webhook' });
  // Over the caller's PubSub client, which the caller closes.
  const batchPublisher = createPubSubPublisher(options.pubsub);
  const publisher = options.decorateIntakePublisher ? options.decorateIntakePublisher(batchPublisher) : batchPublisher;
  const webhook = createHubspotWebhook(
    async () => ({
      db: options.db,
      publisher,
      logger: intakeLog,
      clientSecret: options.webhook.clientSecret,
      publicUrl,
      acceptedVersions: [...(options.webhook.acceptedVersions ?? ['v3'])],
      topic: options.names.webhookTopic,
      maxBodyBytes: 1024 * 1024,
      now: systemClock,
    }),
    intakeLog,
  );
  const served = await serveHttpFunction(webhook.handle, { hooks: webhook.frameworkHooks, port: options.webhook.port, host });
  return {
    served,
    setPublicUrl(url: string) {
      publicUrl = url;
    },
  };
}

/**
 * The piece for dev/local/stack.ts: after postgres + migrations, the Pub/Sub emulator
 * (PUBSUB_EMULATOR_HOST) and the sandbox (ctx.urls.hubspotSandbox), serves the webhook function on
 * WEBHOOK_PORT (8081) and runs the inbound processor, then subscribes the sandbox to it. With a
 * real HUBSPOT_ACCESS_TOKEN the sandbox is left alone and HUBSPOT_CLIENT_SECRET must be the app's.
 */
export const hubspotInbound: StackService = {
  name: 'HubSpot webhook intake + inbound processor',
  async start(ctx) {
    const { env } = ctx;
    if (!ctx.databaseUrl) throw new Error('the inbound service needs the database service first');
    if (!env.PUBSUB_EMULATOR_HOST) throw new Error('the inbound service needs the Pub/Sub emulator (PUBSUB_EMULATOR_HOST)');
    // The hubspot service ran first: it set the token and base path (the sandbox's, or a real portal's).
    const sandboxUrl = ctx.urls.hubspotSandbox;
    const basePath = env.HUBSPOT_BASE_PATH;
    // Reads only, as deployed: the read-scoped app's token.
    const accessToken = env.HUBSPOT_READ_TOKEN;
    if (!accessToken) throw new Error('the inbound service needs the hubspot service first');
    const clientSecret =
      env.HUBSPOT_CLIENT_SECRET ?? (sandboxUrl ? (env.HUBSPOT_SANDBOX_CLIENT_SECRET ?? SANDBOX_DEFAULTS.clientSecret) : undefined);
    if (!clientSecret) throw new Error("HUBSPOT_CLIENT_SECRET (the HubSpot app's client secret) is required to verify real webhooks");

    // The intake and the processor share this pool: one connection per intake request, two per delivery.
    const db = createDb({
      connectionString: ctx.databaseUrl,
      maxConnections: poolSizeFor(LOCAL_DELIVERIES, 'http') + poolSizeFor(LOCAL_DELIVERIES, 'worker'),
      applicationName: 'hubspot-inbound',
    });
    const log = createLogger({ level: env.LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO', bindings: { local: true } });
    // Honours PUBSUB_EMULATOR_HOST; the publisher uses it without owning it (closed in stop()).
    const pubsub = new PubSub({ projectId: env.GOOGLE_CLOUD_PROJECT ?? 'warp-local' });
    const outboxPublisher = createPubSubPublisher(pubsub);
    const names = await ensurePubSubTopology(pubsub, topologyNames({ outboxTopic: env.OUTBOX_TOPIC }));
    const hubspot = createHubspotClient({ basePath, budget: {}, retry: {} }, { db, logger: log, accessToken });
    const service = await startInboundService({
      db,
      pubsub,
      outboxPublisher,
      names,
      companies: hubspot.companies,
      log,
      webhook: { port: Number(env.WEBHOOK_PORT ?? 8081), clientSecret },
      maxAttempts: DEFAULT_DELIVERY_POLICY.maxDeliveryAttempts,
      maxMessages: LOCAL_DELIVERIES,
    });
    if (sandboxUrl) await createControlClient(sandboxUrl).setWebhookTarget(service.webhookUrl);
    ctx.urls.hubspotWebhook = service.webhookUrl;
    return {
      banner: [
        `webhooks:     ${service.webhookUrl} (signed HubSpot events${sandboxUrl ? '; the sandbox is subscribed' : ''})`,
        `inbound sync: ${names.webhookSubscription} -> hubspotInbound`,
      ],
      async stop() {
        await service.close();
        await outboxPublisher.close();
        await pubsub.close();
        await db.destroy();
      },
    };
  },
};
