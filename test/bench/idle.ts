/**
 * A portal at rest: 10,000 customers linked to sandbox companies and in sync, through 10 minutes
 * of simulated time in which the echoes of the sync's last writes (to 2,000 of them, two fields
 * each) arrive, late and some twice, and the outbox relay ticks once a minute as Cloud Scheduler does.
 * Target: no HubSpot call at all, counted at the sandbox.
 *
 * The stack is the inbound one (sandbox, the intake function over HTTP, the emulator, the inbound
 * processor and the outbound worker) plus the relay tick's handler. The echoes are real: the
 * sandbox's own signed deliveries of the last sync's writes, recorded, then handed to the intake
 * during the window re-signed with the current time (a late delivery has a fresh timestamp).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { outboxRelayDeps } from '../../functions/outbox-relay/deps.js';
import { loadOutboxRelayConfig } from '../../shared/config/outbox-relay-config.js';
import { signatureV3Headers } from '../../shared/hubspot/webhook-signature.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createOutboxRelayHandler } from '../../shared/outbox/relay-handler.js';
import { relayUnpublished } from '../../shared/outbox/relay.js';
import { createPubSubPublisher } from '../../shared/pubsub/publisher.js';
import type { Clock } from '../../shared/runtime/clock.js';
import { settle, type InboundStack } from '../integration/inbound-sync/inbound-stack.js';
import { updateCustomersWithOutbox } from '../support/customer-factory.js';
import { benchInboundStack } from './bench-inbound-stack.js';
import { round, stopAll, type Stops } from './bench-support.js';
import { customersEvery, seedLinkedPortal } from './reconcile-seed.js';

export interface IdleBenchOptions {
  customers?: number;
  /** Customers the sync's last writes touched: their echoes arrive during the window. */
  echoing?: number;
  minutes?: number;
}

const MINUTE_MS = 60_000;
const DELIVERIES_IN_FLIGHT = 16;
/** HubSpot's webhook deliveries: up to 10 tries. */
const DELIVERY_ATTEMPTS = 10;
const noSecretManager = { read: (name: string) => Promise.reject(new Error(`the bench reads no secrets (${name})`)) };

export async function benchIdle(options: IdleBenchOptions = {}): Promise<object> {
  const size = options.customers ?? 10_000;
  const echoing = Math.min(size, options.echoing ?? 2_000);
  const minutes = options.minutes ?? 10;
  const stops: Stops = [];
  try {
    let offsetMs = 0;
    const clock: Clock = () => new Date(Date.now() + offsetMs);
    const { databaseUrl, db, stack } = await benchInboundStack(stops, 'idle', {
      maxConnections: 20,
      decorateDeps: (d) => ({ ...d, now: clock }),
    });

    await seedLinkedPortal(db, stack.sandbox.control, size, new Date(Date.now() - 60 * MINUTE_MS));
    const recorder = await startRecorder();
    stops.push(recorder.close);
    await lastSyncBeforeRest(stack, recorder.url, echoing);
    const deliveries = recorder.bodies.splice(0);
    const echoes = deliveries.reduce((n, body) => n + (JSON.parse(body) as unknown[]).length, 0);

    await stack.sandbox.control.setWebhookTarget(stack.inbound.webhookUrl);
    const relayTick = await relayTickHandler(stack, databaseUrl, clock, stops);
    const outboxBefore = await maxId(stack, 'hubspot_sync_queue');
    const logBefore = await maxId(stack, 'hubspot_sync_log');
    await stack.sandbox.control.clearRequests();
    const started = performance.now();
    let duplicates = 0;
    for (let minute = 0; minute < minutes; minute++) {
      offsetMs = minute * MINUTE_MS;
      const share = deliveries.slice(
        Math.floor((minute * deliveries.length) / minutes),
        Math.floor(((minute + 1) * deliveries.length) / minutes),
      );
      // HubSpot delivers at least once: the first delivery of each minute comes twice.
      const sent = share.length > 0 ? [share[0]!, ...share] : [];
      duplicates += sent.length - share.length;
      for (let i = 0; i < sent.length; i += DELIVERIES_IN_FLIGHT) {
        await Promise.all(sent.slice(i, i + DELIVERIES_IN_FLIGHT).map((body) => deliverLate(stack, body)));
      }
      await relayTick({} as CloudEvent<unknown>);
      await settledOrExplained(stack, 120_000);
    }
    const seconds = (performance.now() - started) / 1000;
    const calls = (await stack.sandbox.control.requests()).counters;
    const events = await stack.db
      .selectFrom('hubspot_webhook_events')
      .select(['status', 'ignore_reason', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['status', 'ignore_reason'])
      .execute();
    const outboxRows = await stack.db.selectFrom('hubspot_sync_queue').select('id').where('id', '>', outboxBefore).execute();
    const logRows = await stack.db
      .selectFrom('hubspot_sync_log')
      .select(['operation', 'status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('id', '>', logBefore)
      .groupBy(['operation', 'status'])
      .execute();
    return {
      bench: 'idle',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage1m: round(os.loadavg()[0] ?? 0),
      linkedCustomers: size,
      echoingCustomers: echoing,
      simulatedMinutes: minutes,
      relayTicks: minutes,
      echoEvents: echoes,
      echoDeliveries: deliveries.length,
      duplicateDeliveries: duplicates,
      wallSeconds: round(seconds),
      hubspotCalls: calls.total,
      byRoute: calls.byRoute,
      webhookEvents: events.map((e) => ({ status: e.status, ignoreReason: e.ignore_reason, count: Number(e.n) })),
      outboxRowsWritten: outboxRows.length,
      syncLogRows: logRows.map((r) => ({ operation: r.operation, status: r.status, count: Number(r.n) })),
      target: { hubspotCalls: 0, met: calls.total === 0 },
    };
  } finally {
    await stopAll(stops);
  }
}

/**
 * `echoing` customers renamed in WARP (name and city) and synced by the outbound worker, with the
 * sandbox's webhooks going to `recorderUrl` instead of the intake: their echoes are held back for
 * the window. The outbox rows go out as the relay sends rows the API did not publish.
 */
async function lastSyncBeforeRest(stack: InboundStack, recorderUrl: string, echoing: number): Promise<void> {
  await stack.sandbox.control.setWebhookTarget(recorderUrl);
  const ids = (await customersEvery(stack.db, 1, 0)).slice(0, echoing).map((c) => c.customerId);
  await updateCustomersWithOutbox(stack.db, ids, 'renamed');
  const publisher = createPubSubPublisher(stack.pubsub);
  try {
    const relay = { graceMs: 0, limit: 1000, topic: stack.names.outboxTopic };
    while ((await relayUnpublished(stack.db, publisher, relay)).published > 0);
  } finally {
    await publisher.close();
  }
  await settledOrExplained(stack, 300_000);
}

/** The outbox relay's tick handler as functions/outbox-relay builds it, on the stack's pool, topics and the bench's clock. */
async function relayTickHandler(stack: InboundStack, databaseUrl: string, now: Clock, stops: Stops) {
  const config = await loadOutboxRelayConfig(
    { DATABASE_URL: databaseUrl, OUTBOX_TOPIC: stack.names.outboxTopic, HUBSPOT_EVENTS_TOPIC: stack.names.webhookTopic },
    noSecretManager,
  );
  const publisher = createPubSubPublisher(stack.pubsub);
  stops.push(() => publisher.close());
  const log = createLogger({ level: 'CRITICAL', sink: () => undefined });
  const deps = { ...outboxRelayDeps(config, { db: stack.db, log, publisher }), now };
  return createOutboxRelayHandler(async () => deps);
}

/**
 * A recorded delivery handed to the intake as HubSpot retries it: the same events, signed now;
 * an answer other than 2xx is retried after a growing pause, as HubSpot does.
 */
async function deliverLate(stack: InboundStack, body: string): Promise<void> {
  const url = stack.inbound.webhookUrl;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signatureV3Headers(stack.sandbox.clientSecret, 'POST', url, body, Date.now()) },
      body,
    });
    if (res.ok) return;
    if (attempt === DELIVERY_ATTEMPTS) throw new Error(`the intake refused a delivery ${attempt} times: ${res.status} ${await res.text()}`);
    await sleep(attempt * 1000);
  }
}

/** An HTTP endpoint that keeps every webhook body it is sent and answers 200. */
async function startRecorder() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** settle(), or an error that says what was left in flight. */
async function settledOrExplained(stack: InboundStack, timeoutMs: number): Promise<void> {
  try {
    await settle(stack, timeoutMs);
  } catch (err) {
    const [events, outbox] = await Promise.all([
      stack.db
        .selectFrom('hubspot_webhook_events')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('status')
        .execute(),
      stack.db
        .selectFrom('hubspot_sync_queue')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('status')
        .execute(),
    ]);
    throw new Error(`${(err as Error).message}: webhook events ${JSON.stringify(events)}, outbox ${JSON.stringify(outbox)}`);
  }
}

function maxId(stack: InboundStack, table: 'hubspot_sync_queue' | 'hubspot_sync_log'): Promise<string> {
  return stack.db
    .selectFrom(table)
    .select((eb) => eb.fn.coalesce(eb.fn.max('id'), eb.val('0')).as('id'))
    .executeTakeFirstOrThrow()
    .then((r) => String(r.id));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchIdle(), null, 2));
}
