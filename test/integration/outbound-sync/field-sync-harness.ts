import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { Client } from '@hubspot/api-client';
import { inject } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import {
  DEFAULT_DELIVERY_POLICY,
  ensurePubSubTopology,
  topologyNames,
  type PubSubTopologyNames,
} from '../../../dev/local/pubsub-topology.js';
import { startPullBridge } from '../../../dev/local/pubsub-pull-bridge.js';
import type { MessageDelivery } from '../../../dev/local/pubsub-delivery.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { createCustomerService, type CustomerService } from '../../../shared/customers/service.js';
import { createFieldSyncHandler } from '../../../shared/outbound-sync/field-sync-handlers.js';
import type { FieldSyncDeps } from '../../../shared/outbound-sync/handle-outbox-message.js';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createHubspotClient, type HubspotClient } from '../../../shared/hubspot/client/index.js';
import { createLogger, type Logger } from '../../../shared/logging/logger.js';
import { outboxMessageSchema, type OutboxMessage } from '../../../shared/outbox/outbox-message.js';
import { createOnOutboxCommitted } from '../../../shared/outbox/publish-outbox-row.js';
import { relayUnpublished } from '../../../shared/outbox/relay.js';
import { createPubSubPublisher, type MessagePublisher } from '../../../shared/pubsub/publisher.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** The workers' claim lease in these tests; the reconciliation harness uses the same. */
export const CLAIM_LEASE_MS = 60_000;
import { waitFor } from '../../support/wait-for.js';

export const ADMIN: Principal = {
  userId: 'sync-test-admin',
  email: 'admin@example.com',
  userType: 'admin',
  permissions: ['*'],
  customerScope: { kind: 'ALL' },
};

/** A worker's stand-ins; `matchNewCustomers` is off unless a test looks at it (calls are counted elsewhere). */
export interface WorkerOverrides {
  companies?: CompanyGateway;
  workerId?: string;
  matchNewCustomers?: boolean;
}

export interface FieldSyncHarness {
  database: TestDatabase;
  sandbox: RunningSandbox;
  hubspot: HubspotClient;
  /** A plain api-client on the sandbox, for looking at what HubSpot holds. */
  inspector: Client;
  pubsub: PubSub;
  publisher: MessagePublisher;
  names: PubSubTopologyNames;
  /** The customer API's service, publishing its outbox rows after commit like production. */
  customers: CustomerService;
  log: Logger;
  /** What worker deliveries threw (each one nacked for redelivery). */
  workerErrors: unknown[];
  workerDeps(overrides?: WorkerOverrides): FieldSyncDeps;
  /** A field-sync "function instance" fed by the subscription, like Eventarc would. */
  startWorker(overrides?: WorkerOverrides & { maxMessages?: number }): Promise<MessageDelivery>;
  relay(): Promise<{ published: number; failed: number }>;
  close(): Promise<void>;
}

const silent = createLogger({ level: 'ERROR', sink: () => undefined });
/** The workers' log lines, for a test to look at. */
export const workerLogLines: string[] = [];
const workerLog = createLogger({ level: 'DEBUG', sink: (line) => workerLogLines.push(line) });

export async function startFieldSyncHarness(
  options: { tenSecondLimit?: number; budgetPerWindow?: number } = {},
): Promise<FieldSyncHarness> {
  const database = await createTestDatabase();
  const sandbox = await startSandbox({ port: 0, rateLimits: { tenSecondLimit: options.tenSecondLimit ?? 100 } });
  const inspector = new Client({ accessToken: sandbox.token, basePath: sandbox.url });
  await ensureCompanyProperties(inspector, silent);
  await sandbox.control.clearRequests();

  const hubspot = createHubspotClient(
    {
      basePath: sandbox.url,
      budget: { key: 'test', maxPerWindow: options.budgetPerWindow ?? 90 },
      // Short pauses keep fault tests quick; the policy is the same.
      retry: { baseDelayMs: 20, maxDelayMs: 200, rateLimitPauseMs: 300, lockedDelayMs: 100, timeoutMs: 5_000 },
    },
    { db: database.db, logger: silent, accessToken: sandbox.token },
  );

  const pubsub = new PubSub({ apiEndpoint: inject('pubsubEmulatorHost'), projectId: 'warp-test' });
  const names = await ensurePubSubTopology(pubsub, topologyNames({ suffix: randomBytes(4).toString('hex') }), {
    ...DEFAULT_DELIVERY_POLICY,
    maxDeliveryAttempts: 5,
    minBackoffSeconds: 0,
    maxBackoffSeconds: 1,
    // The emulator can hand a message to a stream a closed worker just dropped; the shortest
    // deadline Pub/Sub allows brings it back within a test's time. Leases of busy handlers are extended.
    ackDeadlineSeconds: 10,
  });
  const publisher = createPubSubPublisher(pubsub);
  const customers = createCustomerService({
    db: database.db,
    log: silent,
    onOutboxCommitted: createOnOutboxCommitted({ db: database.db, publisher, topic: names.outboxTopic }),
  });

  const bridges: MessageDelivery[] = [];
  const workerErrors: unknown[] = [];
  let workers = 0;
  const workerDeps: FieldSyncHarness['workerDeps'] = (overrides = {}) => ({
    db: database.db,
    companies: overrides.companies ?? hubspot.companies,
    log: workerLog,
    options: {
      workerId: overrides.workerId ?? `worker-${++workers}`,
      maxCustomers: 100,
      leaseMs: CLAIM_LEASE_MS,
      retryDelayMs: 0,
      hubspotAppId: String(sandbox.appId),
      matchNewCustomers: overrides.matchNewCustomers ?? false,
    },
  });

  return {
    database,
    sandbox,
    hubspot,
    inspector,
    pubsub,
    publisher,
    names,
    customers,
    log: silent,
    workerErrors,
    workerDeps,
    async startWorker(overrides = {}) {
      const deps = workerDeps(overrides);
      const bridge = await startPullBridge({
        pubsub,
        subscription: names.outboxSubscription,
        handler: createFieldSyncHandler(async () => deps),
        maxMessages: overrides.maxMessages ?? 10,
        onError: (err) => workerErrors.push(err),
      });
      bridges.push(bridge);
      return bridge;
    },
    relay: () => relayUnpublished(database.db, publisher, { graceMs: 0, limit: 1000, topic: names.outboxTopic }),
    async close() {
      await Promise.all(bridges.map((b) => b.close()));
      await publisher.close();
      await pubsub.close();
      await sandbox.close();
      await database.destroy();
    },
  };
}

export { waitFor };

/**
 * Resolves when no outbox row is PENDING or PROCESSING any more. `relayTicking`: the relay runs
 * before every look, as its schedule does in production, for rows handed back to it.
 */
export function outboxSettled(h: FieldSyncHarness, timeoutMs = 30_000, options: { relayTicking?: boolean } = {}): Promise<true> {
  return waitFor(
    async () => {
      if (options.relayTicking) await h.relay();
      const open = await h.database.db
        .selectFrom('hubspot_sync_queue')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', 'in', ['PENDING', 'PROCESSING'])
        .executeTakeFirstOrThrow();
      return Number(open.n) === 0;
    },
    'outbox to settle',
    timeoutMs,
  );
}

/** Every company the sandbox holds, by `warp_ban` (more than one per BAN would be a duplicate). */
export async function sandboxCompaniesByBan(h: FieldSyncHarness): Promise<Map<string, string[]>> {
  const byBan = new Map<string, string[]>();
  let after: string | undefined;
  do {
    const page = await h.inspector.crm.companies.basicApi.getPage(100, after, ['warp_ban']);
    for (const c of page.results) {
      const ban = c.properties.warp_ban ?? '';
      byBan.set(ban, [...(byBan.get(ban) ?? []), c.id]);
    }
    after = page.paging?.next?.after;
  } while (after);
  return byBan;
}

/** The message the outbox would publish for the customer's newest row. */
export async function messageFor(h: FieldSyncHarness, customerId: string): Promise<OutboxMessage> {
  const row = await h.database.db
    .selectFrom('hubspot_sync_queue')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return outboxMessageSchema.parse({
    outboxId: row.id,
    customerId,
    operation: row.operation,
    origin: row.origin,
    changedAt: row.changed_at.toISOString(),
  });
}

/** HubSpot API calls the sandbox answered (control API calls excluded). */
export async function hubspotCalls(h: FieldSyncHarness): Promise<number> {
  return (await h.sandbox.control.requests()).counters.total;
}

/** A valid customer named `name`, for creating through the API. */
export const customerInput = (name: string): CreateCustomerInput => ({
  company_name: name,
  customer_type: 'PREPAID',
  credit_limit: '100.00',
  contact: { name: 'Ops', email: `ops@${name.toLowerCase().replace(/\W/g, '')}.example.com`, phone: '+44 20 7946 0958' },
  address: { line1: '2 High St', city: 'London', state: 'LDN', zip: 'EC1A 1BB', country: 'GB' },
});

/** Creates a customer through the customer service (outbox row published as the API does). */
export async function createViaApi(h: FieldSyncHarness, name: string): Promise<{ id: string; ban: string }> {
  return (JSON.parse((await h.customers.create(ADMIN, customerInput(name), {})).body) as { data: { id: string; ban: string } }).data;
}

export function customerRow(h: FieldSyncHarness, id: string) {
  return h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
