import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { buildConsole } from '../../dev/build-console.js';
import { seedDemoData, SEED_USERS } from '../../dev/local/seed.js';
import { createAccessTokenVerifier, signDevAccessToken } from '../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../shared/auth/gatekeeper.js';
import { createHubspotClient } from '../../shared/hubspot/client/index.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createOnOutboxCommitted } from '../../shared/outbox/publish-outbox-row.js';
import { listOpenConflicts } from '../../shared/sync-admin/conflict-resolution.js';
import { setCustomerOverride } from '../../shared/sync-admin/mapping-admin.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../shared/sync/default-mapping.js';
import { startCustomerApi, type RunningApi } from '../integration/customer-api/support.js';
import { ADMIN, customerInput, outboxSettled, waitFor } from '../integration/outbound-sync/field-sync-harness.js';
import { startReconcileHarness, type ReconcileHarness } from '../integration/reconciliation/reconcile-harness.js';

const SECRET = 'console-browser-test-secret-of-32-bytes!';
/** Debian's Chromium; .ci/run installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Everything the console talks to, for real: PostgreSQL with the demo seed, the HubSpot sandbox,
 * the Pub/Sub emulator, the field-sync and reconcile workers, and the customer API with the real
 * verifier and Gatekeeper serving a freshly built console and reading HubSpot for linking by hand;
 * plus a headless Chromium.
 */
export interface ConsoleStack {
  h: ReconcileHarness;
  api: RunningApi;
  browser: Browser;
  /** The local stack's banner token: the seeded superAdmin's. */
  token: string;
  consoleUrl: string;
  close(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-console-browser-'));
  const [consoleDir, h, browser] = await Promise.all([
    buildConsole(path.join(dir, 'console')),
    startReconcileHarness(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  const db = h.sync.database.db;
  await seedDemoData(db);
  const outbox = { publisher: h.sync.publisher, topic: h.sync.names.outboxTopic };
  const api = await startCustomerApi(h.sync.database, {
    authenticator: createRequestAuthenticator({
      verifier: createAccessTokenVerifier({ secret: SECRET }),
      gatekeeper: createGatekeeper(db),
    }),
    onOutboxCommitted: createOnOutboxCommitted({ db, ...outbox }),
    sync: { outboxPublishing: outbox },
    reconciliation: { reconcile: { publisher: h.sync.publisher, topic: h.sync.names.reconcileTopic }, pubsub: h.sync.pubsub },
    // As the deployed API is wired: the sandbox's read-scoped token only, so linking cannot write HubSpot.
    linking: {
      hubspot: {
        companies: createHubspotClient(
          {
            basePath: h.sync.sandbox.url,
            budget: { key: 'console-browser', maxPerWindow: 90 },
            retry: { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 5_000 },
          },
          { db, logger: createLogger({ level: 'ERROR' }), accessToken: h.sync.sandbox.readToken },
        ).companies,
        hubspotAppId: String(h.sync.sandbox.appId),
      },
    },
    consoleDir,
  });
  await h.sync.startWorker();
  await h.startReconciler();
  const token = await signDevAccessToken({ ...SEED_USERS.superAdmin, secret: SECRET });
  return {
    h,
    api,
    browser,
    token,
    consoleUrl: `${api.url}/console/`,
    async close() {
      await browser.close();
      await api.close();
      await h.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A customer the sync created a HubSpot company for and linked, with nothing left in the outbox. */
export async function linkedCustomer(s: ConsoleStack, name: string): Promise<{ id: string; ban: string; companyId: string }> {
  const h = s.h.sync;
  const { id, ban } = (JSON.parse((await h.customers.create(ADMIN, customerInput(name), {})).body) as { data: { id: string; ban: string } })
    .data;
  const linked = await waitFor(async () => {
    const row = await h.database.db
      .selectFrom('customers')
      .select(['hubspot_link_status', 'hubspot_company_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.hubspot_link_status === 'LINKED' && row;
  }, 'the customer to be linked');
  await outboxSettled(h);
  return { id, ban, companyId: linked.hubspot_company_id! };
}

const legalName = DEFAULT_FIELD_MAPPINGS.find((m) => m.warpField === 'legal_name')!;

/** A linked customer whose legal_name is MANUAL, edited differently in HubSpot (the sandbox) and in WARP. */
export async function customerInConflict(s: ConsoleStack, name: string): Promise<{ id: string; ban: string; companyId: string }> {
  const h = s.h.sync;
  const { id, ban } = (
    JSON.parse((await h.customers.create(ADMIN, { ...customerInput(name), legal_name: `${name} LLC` }, {})).body) as {
      data: { id: string; ban: string };
    }
  ).data;
  const linked = await waitFor(async () => {
    const row = await h.database.db
      .selectFrom('customers')
      .select(['hubspot_link_status', 'hubspot_company_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.hubspot_link_status === 'LINKED' && row;
  }, 'the customer to be linked');
  await outboxSettled(h);
  await setCustomerOverride(h.database.db, id, { ...legalName, conflictRule: 'MANUAL' }, 'ops@test', {
    publishing: { publisher: h.publisher, topic: h.names.outboxTopic },
  });
  await outboxSettled(h);
  await h.sandbox.control.editAsUser(linked.hubspot_company_id!, { warp_legal_name: `${name} Inc (HubSpot)` });
  await h.customers.update(ADMIN, id, { legal_name: `${name} Corp (WARP)` });
  await outboxSettled(h);
  await waitFor(async () => (await listOpenConflicts(h.database.db, id)).length > 0, 'the conflict');
  return { id, ban, companyId: linked.hubspot_company_id! };
}

/** A webhook event and an outbox row that failed for good, as the workers leave them. */
export async function failures(s: ConsoleStack, customerId: string): Promise<{ eventId: string; outboxId: string }> {
  const db = s.h.sync.database.db;
  const event = await db
    .insertInto('hubspot_webhook_events')
    .values({
      dedupe_key: createHash('sha256').update('console-failure').digest('hex'),
      event_id: '4242',
      subscription_type: 'company.propertyChange',
      object_id: '999001',
      property_name: 'name',
      occurred_at: new Date(),
      payload: { eventId: 4242 },
      status: 'FAILED',
      processing_attempts: 5,
      processing_error: 'company 999001 is not linked to any customer',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('hubspot_sync_queue')
    .values({
      customer_id: customerId,
      operation: 'UPDATE',
      origin: 'WARP',
      status: 'FAILED',
      attempts: 5,
      last_error: 'HubSpot refused the value',
      processed_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { eventId: event.id, outboxId: row.id };
}
