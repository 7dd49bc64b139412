/**
 * Everything HubSpot-to-WARP runs on, for the inbound tests and the end-to-end bench: the
 * sandbox (a person edits there) posting REAL signed webhooks to the real intake function over
 * HTTP, the intake publishing to the emulator, whose subscriptions push to the inbound processor
 * and to the real outbound worker (it links companies and carries out the RESYNC requests).
 */
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import { startInboundService, type InboundService } from '../../../dev/local/inbound-service.js';
import type { MessageDelivery } from '../../../dev/local/pubsub-delivery.js';
import { startPushEndpoint } from '../../../dev/local/pubsub-push-endpoint.js';
import { ensurePubSubTopology, topologyNames, type DeliveryPolicy, type PubSubTopologyNames } from '../../../dev/local/pubsub-topology.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { createCustomerService, type CustomerService } from '../../../shared/customers/service.js';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import type { Db } from '../../../shared/db/database.js';
import { createFieldSyncHandler } from '../../../shared/outbound-sync/field-sync-handlers.js';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createHubspotClient } from '../../../shared/hubspot/client/index.js';
import type { InboundDeps } from '../../../shared/inbound-sync/process-webhook-event.js';
import { createLogger, type Logger } from '../../../shared/logging/logger.js';
import { createOnOutboxCommitted } from '../../../shared/outbox/publish-outbox-row.js';
import { relayUnpublished } from '../../../shared/outbox/relay.js';
import type { OutgoingMessage } from '../../../shared/pubsub/batch-publisher.js';
import { createPubSubPublisher, type MessagePublisher } from '../../../shared/pubsub/publisher.js';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';
import type { HubspotWebhookEvent } from '../../../shared/webhooks/event-schema.js';
import { waitFor } from '../../support/wait-for.js';

export const ADMIN: Principal = {
  userId: 'inbound-test-admin',
  email: 'admin@example.com',
  userType: 'admin',
  permissions: ['*'],
  customerScope: { kind: 'ALL' },
};

/** The webhook subscription's dead-letter limit here (Pub/Sub's minimum), and the processor's. */
export const MAX_ATTEMPTS = 5;

export interface InboundStack {
  db: Db;
  sandbox: RunningSandbox;
  names: PubSubTopologyNames;
  pubsub: PubSub;
  /** Creates and updates customers like the API does, publishing each outbox row after commit. */
  customers: CustomerService;
  /** The same service without the after-commit publish: a WARP change the outbound sync has not seen yet. */
  unsyncedCustomers: CustomerService;
  inbound: InboundService;
  outbound: MessageDelivery;
  /**
   * While > 0, each intake publish fails (answered 5xx, so the sandbox delivers again); with
   * `only`, just the publishes carrying an event it matches (one delivery held back, others pass).
   */
  intakeFailures: IntakeFailures;
  logLines: string[];
  close(): Promise<void>;
}

export interface IntakeFailures {
  remaining: number;
  only?: (event: HubspotWebhookEvent) => boolean;
}

export interface InboundStackOptions {
  db: Db;
  emulatorHost: string;
  /** Wraps the processor's dependencies (e.g. a HubSpot reader that fails). */
  decorateDeps?: (deps: InboundDeps) => InboundDeps;
  /** The sandbox's retry schedule for failed webhook deliveries. */
  webhookRetryMs?: number[];
  /** How long the sandbox gathers changes into one delivery (HubSpot batches too). */
  webhookBatchDelayMs?: number;
  /**
   * false: the webhook subscription delivers without ordering. The emulator forwards failed
   * messages to the dead-letter topic only from such a subscription (real Pub/Sub from both).
   */
  orderedWebhooks?: boolean;
  /** The webhook subscription's delivery to the processor (push unless a test needs Pub/Sub's exact retries). */
  webhookDelivery?: 'push' | 'pull';
  log?: boolean;
}

export async function startInboundStack(options: InboundStackOptions): Promise<InboundStack> {
  const logLines: string[] = [];
  const log: Logger = createLogger({ level: 'DEBUG', sink: (line) => (options.log === false ? undefined : logLines.push(line)) });
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const sandbox = await startSandbox({
      port: 0,
      webhooks: { retryScheduleMs: options.webhookRetryMs ?? [300], batchDelayMs: options.webhookBatchDelayMs ?? 60, reorderHoldMs: 150 },
    });
    stops.push(() => sandbox.close());
    await ensureCompanyProperties(new Client({ accessToken: sandbox.token, basePath: sandbox.url }), log);

    const pubsub = new PubSub({ apiEndpoint: options.emulatorHost, projectId: 'warp-test' });
    stops.push(() => pubsub.close());
    const policy: DeliveryPolicy = {
      maxDeliveryAttempts: MAX_ATTEMPTS,
      minBackoffSeconds: 1,
      maxBackoffSeconds: 2,
      ackDeadlineSeconds: 30,
    };
    const names = topologyNames({ suffix: randomBytes(4).toString('hex') });
    if (options.orderedWebhooks === false) await createUnorderedWebhookSubscription(pubsub, names, policy);
    await ensurePubSubTopology(pubsub, names, policy);
    const outboxPublisher: MessagePublisher = createPubSubPublisher(pubsub);
    stops.push(() => outboxPublisher.close());

    const hubspot = (maxAttempts: number) =>
      createHubspotClient(
        {
          basePath: sandbox.url,
          budget: { key: `inbound-${names.webhookTopic}` },
          retry: { maxAttempts, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 5_000 },
        },
        { db: options.db, logger: log, accessToken: sandbox.token },
      );
    const outbound = await startPushEndpoint({
      pubsub,
      subscription: names.outboxSubscription,
      handler: createFieldSyncHandler(async () => ({
        db: options.db,
        companies: hubspot(3).companies,
        log: log.child({ component: 'field-sync' }),
        options: {
          workerId: 'inbound-test-outbound',
          maxCustomers: 50,
          leaseMs: 60_000,
          retryDelayMs: 0,
          hubspotAppId: String(sandbox.appId),
        },
      })),
    });
    stops.push(() => outbound.close());

    const intakeFailures: IntakeFailures = { remaining: 0 };
    const failsNow = (messages: readonly OutgoingMessage[]) => {
      const { remaining, only } = intakeFailures;
      return remaining > 0 && (!only || messages.some((m) => only(webhookEventMessageSchema.parse(m.message).event)));
    };
    const inbound = await startInboundService({
      db: options.db,
      pubsub,
      outboxPublisher,
      names,
      // One attempt per delivery: a HubSpot failure goes back to Pub/Sub, whose retry is under test.
      companies: hubspot(1).companies,
      log,
      webhook: { port: 0, clientSecret: sandbox.clientSecret },
      maxAttempts: MAX_ATTEMPTS,
      delivery: options.webhookDelivery,
      decorateDeps: options.decorateDeps,
      decorateIntakePublisher: (publisher) => ({
        publishBatch: async (topic, messages) => {
          if (failsNow(messages)) {
            intakeFailures.remaining -= 1;
            throw new Error('injected intake publish failure');
          }
          return publisher.publishBatch(topic, messages);
        },
        close: () => publisher.close(),
      }),
    });
    stops.push(() => inbound.close());
    await sandbox.control.setWebhookTarget(inbound.webhookUrl);

    const quiet = createLogger({ level: 'ERROR', sink: () => undefined });
    const customers = createCustomerService({
      db: options.db,
      log: quiet,
      onOutboxCommitted: createOnOutboxCommitted({ db: options.db, publisher: outboxPublisher, topic: names.outboxTopic }),
    });
    return {
      db: options.db,
      sandbox,
      names,
      pubsub,
      customers,
      unsyncedCustomers: createCustomerService({ db: options.db, log: quiet }),
      inbound,
      outbound,
      intakeFailures,
      logLines,
      async close() {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

/** The webhook subscription ensurePubSubTopology would create, but unordered; it then leaves it as it is. */
async function createUnorderedWebhookSubscription(pubsub: PubSub, names: PubSubTopologyNames, policy: DeliveryPolicy): Promise<void> {
  await pubsub.createTopic(names.webhookTopic);
  const [deadLetterTopic] = await pubsub.createTopic(names.webhookDeadLetterTopic);
  await pubsub.topic(names.webhookTopic).createSubscription(names.webhookSubscription, {
    ackDeadlineSeconds: policy.ackDeadlineSeconds,
    retryPolicy: { minimumBackoff: { seconds: policy.minBackoffSeconds }, maximumBackoff: { seconds: policy.maxBackoffSeconds } },
    deadLetterPolicy: { deadLetterTopic: deadLetterTopic.name, maxDeliveryAttempts: policy.maxDeliveryAttempts },
  });
}

let customerNumber = 0;

export function newCustomer(name: string, extra: Partial<CreateCustomerInput> = {}): CreateCustomerInput {
  customerNumber += 1;
  return {
    company_name: name,
    customer_type: 'POSTPAID',
    credit_limit: '1000.00',
    contact: { name: 'Ops', email: `ops${customerNumber}@example.com`, phone: '+1 415 555 0100' },
    address: { line1: `${customerNumber} Main St`, city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
    ...extra,
  } as CreateCustomerInput;
}

export { waitFor };

/**
 * Waits until nothing is in flight anywhere: the sandbox has no delivery pending, every stored
 * event is settled and no outbox row is open; twice in a row, since each step can start another
 * (an inbound RESYNC makes an outbound push, whose echo comes back as a webhook).
 */
export async function settle(stack: InboundStack, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  await waitFor(
    async () => {
      await stack.sandbox.control.webhooksIdle(Math.max(1, deadline - Date.now()));
      const [events, outbox] = await Promise.all([
        stack.db.selectFrom('hubspot_webhook_events').select('id').where('status', 'in', ['RECEIVED', 'PUBLISHED']).execute(),
        stack.db.selectFrom('hubspot_sync_queue').select('id').where('status', 'in', ['PENDING', 'PROCESSING']).execute(),
      ]);
      quietRounds = events.length === 0 && outbox.length === 0 ? quietRounds + 1 : 0;
      return quietRounds >= 2;
    },
    'the stack to settle',
    timeoutMs,
  );
}

/** Creates a customer through the service and waits until the outbound sync linked its company. */
export async function createLinkedCustomer(stack: InboundStack, name: string, extra: Partial<CreateCustomerInput> = {}) {
  const created = JSON.parse((await stack.customers.create(ADMIN, newCustomer(name, extra), {})).body) as { data: { id: string } };
  const id = created.data.id;
  const customer = await waitFor(async () => {
    const row = await customerRow(stack, id);
    return row.hubspot_link_status === 'LINKED' && row;
  }, `customer ${name} to be linked`);
  await settle(stack);
  return { id, ban: customer.ban, companyId: customer.hubspot_company_id! };
}

export function customerRow(stack: InboundStack, id: string) {
  return stack.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function eventsOf(stack: InboundStack, objectId: string) {
  return stack.db
    .selectFrom('hubspot_webhook_events')
    .selectAll()
    .where('object_id', '=', objectId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export function fieldState(stack: InboundStack, customerId: string, warpField: string) {
  return stack.db
    .selectFrom('hubspot_field_state')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('warp_field', '=', warpField)
    .executeTakeFirst();
}

/** What the outbox relay does for rows the API committed but did not publish. */
export async function publishPendingOutbox(stack: InboundStack): Promise<void> {
  const publisher = createPubSubPublisher(stack.pubsub);
  try {
    await relayUnpublished(stack.db, publisher, { graceMs: 0, limit: 100, topic: stack.names.outboxTopic });
  } finally {
    await publisher.close();
  }
}

/** The stack's recent log lines on stderr, for a failed test to show what the services did. */
export function printRecentLog(stack: InboundStack, lines = 80): void {
  process.stderr.write(`${stack.logLines.slice(-lines).join('\n')}\n`);
}
