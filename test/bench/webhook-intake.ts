/**
 * Webhook intake benchmark: 99-event batches (HubSpot sends < 100) at 10
 * concurrent requests (HubSpot's maximum), real Postgres and the Pub/Sub
 * emulator, through functions-framework's own HTTP stack; side by side with a
 * function on the same stack that only answers 200 (the ceiling).
 *
 *   npm run bench -- webhook-intake
 * DATABASE_URL / PUBSUB_EMULATOR_HOST reuse running services; otherwise both are started here.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import type { HttpFunction } from '@google-cloud/functions-framework';
import type { FrameworkHooks } from '../../shared/http/framework-errors.js';
import { PubSub } from '@google-cloud/pubsub';
import { createHubspotWebhook } from '../../functions/hubspot-webhook/handler.js';
import { createDb } from '../../shared/db/database.js';
import { signatureV3Headers } from '../../shared/hubspot/webhook-signature.js';
import { sendData } from '../../shared/http/envelope.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPubSubPublisher as createPubSubBatchPublisher } from '../../shared/pubsub/publisher.js';
import { MAX_EVENTS_PER_DELIVERY } from '../../shared/webhooks/event-schema.js';
import { benchDatabase, benchEmulator, percentile, round, stopAll, type Stops } from './bench-support.js';
import { systemClock } from '../../shared/runtime/clock.js';
import { serveHttpFunction } from '../../dev/local/serve-http-function.js';

export interface WebhookIntakeBenchOptions {
  requests?: number;
  concurrency?: number;
  warmupRequests?: number;
}

interface Scenario {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  reqPerSec: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU of this process (the function and the load generator) per request: what the stack costs besides waiting. */
  nodeCpuMsPerRequest: number;
}

const PUBLIC_URL = 'https://hooks.warp.example/hubspot/webhook';

export async function benchWebhookIntake(options: WebhookIntakeBenchOptions = {}): Promise<object> {
  const requests = options.requests ?? 400;
  const concurrency = options.concurrency ?? 10;
  const warmup = options.warmupRequests ?? 30;
  const batchSize = MAX_EVENTS_PER_DELIVERY;
  const secret = randomBytes(24).toString('base64');
  const loadAverageBefore = os.loadavg().map((l) => round(l, 2));
  const stops: Stops = [];
  try {
    const databaseUrl = await benchDatabase(stops, 'webhook');
    const emulatorHost = await benchEmulator(stops);

    const pubsub = new PubSub({ apiEndpoint: emulatorHost, projectId: 'warp-bench' });
    const suffix = randomBytes(4).toString('hex');
    const [topic] = await pubsub.createTopic(`bench-hubspot-webhook-events-${suffix}`);
    // A subscription so the emulator keeps (and so really handles) every message.
    const [subscription] = await topic.createSubscription(`bench-webhook-${suffix}`, { enableMessageOrdering: true });
    const publisher = createPubSubBatchPublisher(pubsub);
    stops.push(async () => {
      await subscription.delete().catch(() => undefined);
      await topic.delete().catch(() => undefined);
      await publisher.close();
      // Given a client, the publisher leaves it open: the bench created it, the bench closes it.
      await pubsub.close();
    });

    const db = createDb({ connectionString: databaseUrl, maxConnections: concurrency });
    stops.push(() => db.destroy());
    // Warnings and errors to stderr: stdout carries the runner's JSON.
    const logger = createLogger({ level: 'WARNING', sink: (line) => process.stderr.write(line + '\n') });
    const webhook = createHubspotWebhook(
      async () => ({
        db,
        publisher,
        logger,
        clientSecret: secret,
        publicUrl: PUBLIC_URL,
        acceptedVersions: ['v3'],
        topic: topic.name.split('/').pop() ?? '',
        maxBodyBytes: 1024 * 1024,
        now: systemClock,
      }),
      logger,
    );
    const intakeUrl = await serve(webhook.handle, stops, webhook.frameworkHooks);
    const ceilingUrl = await serve((_req, res) => sendData(res, 200, { received: batchSize }), stops);

    let nextEvent = 0;
    const deliveries = (count: number) =>
      Array.from({ length: count }, () =>
        signedDelivery(
          secret,
          Array.from({ length: batchSize }, () => event((nextEvent += 1))),
        ),
      );

    // Warm both (JIT, pool connections, topic handles), then measure on fresh events.
    await load(intakeUrl, deliveries(warmup), concurrency);
    await load(ceilingUrl, deliveries(warmup), concurrency);
    const ceiling = await load(ceilingUrl, deliveries(requests), concurrency);
    const fresh = deliveries(requests);
    const intake = await load(intakeUrl, fresh, concurrency);
    // HubSpot retries: the same deliveries again store and publish nothing.
    const redelivered = await load(
      intakeUrl,
      fresh.map((d) => signedDelivery(secret, d.events)),
      concurrency,
    );

    const stored = await db
      .selectFrom('hubspot_webhook_events')
      .select((eb) => [eb.fn.countAll<string>().as('rows'), eb.fn.count<string>('published_at').as('published')])
      .executeTakeFirstOrThrow();

    const throughputRatio = round(intake.reqPerSec / ceiling.reqPerSec, 3);
    const loadAverageAfter = os.loadavg().map((l) => round(l, 2));
    return {
      bench: 'webhook-intake',
      node: process.version,
      cpus: os.cpus().length,
      // Postgres, the Java emulator and this process share the machine: a busy machine skews every number.
      loadAverage: { before: loadAverageBefore, after: loadAverageAfter },
      batchSize,
      concurrency,
      requestsPerScenario: requests,
      warmupRequests: warmup,
      ceiling,
      intake,
      redelivered,
      throughputRatio,
      rows: { stored: Number(stored.rows), published: Number(stored.published), expected: (warmup + requests) * batchSize },
      targets: {
        p99Below250Ms: intake.p99Ms < 250,
        throughputAtLeast30PercentOfCeiling: throughputRatio >= 0.3,
      },
    };
  } finally {
    await stopAll(stops);
  }
}

interface Delivery {
  events: object[];
  body: string;
  headers: Record<string, string>;
}

function signedDelivery(secret: string, events: object[]): Delivery {
  const body = JSON.stringify(events);
  const timestamp = Date.now();
  return {
    events,
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...signatureV3Headers(secret, 'POST', PUBLIC_URL, body, timestamp),
    },
  };
}

function event(n: number): object {
  return {
    eventId: 10_000_000 + n,
    subscriptionId: 1_234_567,
    portalId: 9_000_001,
    appId: 77_001,
    occurredAt: 1_760_000_000_000 + n,
    subscriptionType: 'company.propertyChange',
    attemptNumber: 0,
    // 500 companies: ordering keys repeat within and across batches, as with real edits.
    objectId: 50_000_000_000 + (n % 500),
    propertyName: n % 2 === 0 ? 'warp_credit_limit' : 'name',
    propertyValue: n % 2 === 0 ? String(1000 + n) : `Company ${n} GmbH`,
    changeSource: 'CRM_UI',
    sourceId: 'userId:45678',
  };
}

/** `count` requests through `concurrency` workers on keep-alive connections (as HubSpot holds them). */
async function load(url: string, deliveries: Delivery[], concurrency: number): Promise<Scenario> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const delivery = deliveries[next++]!;
        const t0 = performance.now();
        const status = await post(url, delivery, agent).catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const reqPerSec = deliveries.length / seconds;
  const batch = deliveries[0]?.events.length ?? 0;
  return {
    requests: deliveries.length,
    errors: deliveries.length - (statuses['200'] ?? 0),
    statuses,
    reqPerSec: round(reqPerSec, 1),
    eventsPerSec: Math.round(reqPerSec * batch),
    p50Ms: round(percentile(latencies, 0.5), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
    maxMs: round(latencies.at(-1) ?? 0, 1),
    nodeCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / deliveries.length, 2),
  };
}

function post(url: string, delivery: Delivery, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: delivery.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(delivery.body);
  });
}

async function serve(handler: HttpFunction, stops: Stops, hooks: FrameworkHooks | null = null): Promise<string> {
  const served = await serveHttpFunction(handler, { hooks });
  stops.push(served.close);
  return served.url;
}
