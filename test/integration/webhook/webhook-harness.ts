import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { afterAll, beforeAll, inject } from 'vitest';
import { createHubspotWebhook, type HubspotWebhookFunction } from '../../../functions/hubspot-webhook/handler.js';
import type { Db } from '../../../shared/db/database.js';
import { signatureV3Headers, signV1, signV2, type SignatureVersion } from '../../../shared/hubspot/webhook-signature.js';
import { createMemoryLogger, type LogFields } from '../../../shared/logging/logger.js';
import { createPubSubPublisher, type EventBatchPublisher } from '../../../shared/pubsub/publisher.js';
import type { HubspotWebhookEvent } from '../../../shared/webhooks/event-schema.js';
import type { WebhookIntakeDeps } from '../../../shared/webhooks/intake.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { serveHttpFunction } from '../../../dev/local/serve-http-function.js';

export const PUBLIC_URL = 'https://hooks.warp.example/hubspot/webhook';
export const CLIENT_SECRET = `test-client-secret-${randomBytes(8).toString('hex')}`;

/** The real emulator-backed publisher, with a switch that makes every publish fail and counters. */
export interface ControllablePublisher extends EventBatchPublisher {
  /** publishBatch calls, and messages handed to it. */
  calls: number;
  messages: number;
  failing: boolean;
}

export function controllablePublisher(inner: EventBatchPublisher): ControllablePublisher {
  const publisher: ControllablePublisher = {
    calls: 0,
    messages: 0,
    failing: false,
    async publishBatch(topic, messages) {
      publisher.calls += 1;
      publisher.messages += messages.length;
      if (publisher.failing) throw new Error('injected publish failure');
      return inner.publishBatch(topic, messages);
    },
    close: () => inner.close(),
  };
  return publisher;
}

export interface PubSubFixture {
  pubsub: PubSub;
  topic: string;
  publisher: ControllablePublisher;
  /** Every message received on the suite's subscription, acked. */
  messages: Message[];
  waitForMessages(count: number, timeoutMs?: number): Promise<Message[]>;
  close(): Promise<void>;
}

/** A topic and an ordered subscription of this suite's own on the run's emulator. */
export async function createPubSubFixture(): Promise<PubSubFixture> {
  const pubsub = new PubSub({ apiEndpoint: inject('pubsubEmulatorHost'), projectId: 'warp-test' });
  const suffix = randomBytes(5).toString('hex');
  const [topic] = await pubsub.createTopic(`hubspot-webhook-events-${suffix}`);
  const [subscription]: [Subscription, ...unknown[]] = await topic.createSubscription(`webhook-test-${suffix}`, {
    enableMessageOrdering: true,
  });
  const messages: Message[] = [];
  subscription.on('message', (message: Message) => {
    messages.push(message);
    message.ack();
  });
  const publisher = controllablePublisher(createPubSubPublisher(pubsub));
  return {
    pubsub,
    topic: topic.name.split('/').pop() ?? '',
    publisher,
    messages,
    async waitForMessages(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count && Date.now() < deadline) await sleep(25);
      return messages;
    },
    async close() {
      await subscription.close();
      await subscription.delete().catch(() => undefined);
      await topic.delete().catch(() => undefined);
      await publisher.close();
      await pubsub.close();
    },
  };
}

export interface IntakeServer {
  url: string;
  logLines: LogFields[];
  clock: { nowMs: number };
  close(): Promise<void>;
}

/** The intake behind functions-framework's own Express stack (body parsers, rawBody) on an ephemeral port. */
export async function startIntake(options: {
  db: Db;
  publisher: EventBatchPublisher;
  topic: string;
  acceptedVersions?: SignatureVersion[];
  maxBodyBytes?: number;
}): Promise<IntakeServer> {
  const { logger, lines } = createMemoryLogger('DEBUG');
  const clock = { nowMs: Date.now() };
  const deps: WebhookIntakeDeps = {
    db: options.db,
    publisher: options.publisher,
    logger,
    clientSecret: CLIENT_SECRET,
    publicUrl: PUBLIC_URL,
    acceptedVersions: options.acceptedVersions ?? ['v3'],
    topic: options.topic,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    now: () => new Date(clock.nowMs),
  };
  const served = await serveWebhook(createHubspotWebhook(async () => deps, logger));
  return { ...served, logLines: lines, clock };
}

/** Registers the function under a fresh name and serves it on an ephemeral loopback port. */
export async function serveWebhook(webhook: HubspotWebhookFunction): Promise<{ url: string; close(): Promise<void> }> {
  const { url, close } = await serveHttpFunction(webhook.handle, { hooks: webhook.frameworkHooks });
  return { url, close };
}

let nextEventId = 1000;

/** A company property change as HubSpot sends it; override any field. */
export function companyEvent(overrides: Partial<HubspotWebhookEvent> = {}): HubspotWebhookEvent {
  nextEventId += 1;
  return {
    eventId: nextEventId,
    subscriptionId: 424242,
    portalId: 9_000_001,
    appId: 77_001,
    occurredAt: 1_760_000_000_000 + nextEventId,
    subscriptionType: 'company.propertyChange',
    attemptNumber: 0,
    objectId: 50_000_000_000 + nextEventId,
    propertyName: 'warp_credit_limit',
    propertyValue: '25000',
    changeSource: 'CRM_UI',
    sourceId: 'userId:45678',
    ...overrides,
  };
}

export interface SignedRequest {
  method?: string;
  /** Path and query the request is sent to (the function ignores the path; the query is signed). */
  target?: string;
  body: string;
  headers: Record<string, string>;
}

/** Headers HubSpot would send for `body` POSTed to PUBLIC_URL + query. */
export function hubspotHeaders(
  body: string,
  options: { version?: SignatureVersion; method?: string; uri?: string; timestampMs?: number; secret?: string } = {},
): Record<string, string> {
  const version = options.version ?? 'v3';
  const method = options.method ?? 'POST';
  const uri = options.uri ?? PUBLIC_URL;
  const secret = options.secret ?? CLIENT_SECRET;
  const base = { 'content-type': 'application/json' };
  if (version === 'v3') {
    const timestampMs = options.timestampMs ?? Date.now();
    return { ...base, ...signatureV3Headers(secret, method, uri, body, timestampMs) };
  }
  const signature = version === 'v1' ? signV1(secret, body) : signV2(secret, method, uri, body);
  return { ...base, 'x-hubspot-signature': signature, 'x-hubspot-signature-version': version };
}

/**
 * Sends over node:http rather than fetch, which would drop a forged Host header
 * and refuses bodies on some methods: attack tests need the exact request.
 */
export function send(intake: { url: string }, request: SignedRequest): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      intake.url + (request.target ?? '/'),
      { method: request.method ?? 'POST', headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* the framework's own 400 page for unparseable JSON is HTML */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** POSTs `events` signed like HubSpot (v3 unless told otherwise). */
export function deliver(intake: IntakeServer, events: unknown, version: SignatureVersion = 'v3') {
  const body = JSON.stringify(events);
  return send(intake, { body, headers: hubspotHeaders(body, { version }) });
}

export async function countEvents(db: Db): Promise<number> {
  const row = await db
    .selectFrom('hubspot_webhook_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface IntakeFixture {
  database: TestDatabase;
  pubsub: PubSubFixture;
  intake: IntakeServer;
}

/**
 * A database, a Pub/Sub fixture and the intake on them for the calling test file, created in
 * beforeAll and closed in afterAll. Read its fields inside tests, after beforeAll has run.
 */
export function useIntakeFixture(): IntakeFixture {
  const fixture = {} as IntakeFixture;
  beforeAll(async () => {
    fixture.database = await createTestDatabase();
    fixture.pubsub = await createPubSubFixture();
    fixture.intake = await startIntake({ db: fixture.database.db, publisher: fixture.pubsub.publisher, topic: fixture.pubsub.topic });
  });
  afterAll(async () => {
    await fixture.intake?.close();
    await fixture.pubsub?.close();
    await fixture.database?.destroy();
  });
  return fixture;
}
