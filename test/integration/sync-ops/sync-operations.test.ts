import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../shared/db/database.js';
import type { EventBatchPublisher } from '../../../shared/pubsub/publisher.js';
import type { ScheduledJob, ScheduledJobReader } from '../../../shared/sync-ops/scheduled-job.js';
import { syncRoutes } from '../../../functions/customer-api/sync-routes.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { recordingPublisher } from '../outbound-sync/recording-publisher.js';
import { ALL_ACCESS_USER, call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from '../customer-api/support.js';

const JOB: ScheduledJob = {
  name: 'projects/p/locations/l/jobs/warp-sync-daily-reconciliation',
  schedule: '0 3 * * *',
  timeZone: 'Etc/UTC',
  state: 'ENABLED',
  lastAttemptTime: '2026-12-04T03:00:00.000Z',
  scheduleTime: '2026-12-05T03:00:00.000Z',
};

/** A stored webhook event, as the intake stores one. */
async function insertWebhookEvent(db: Db, n: number, values: { status: 'FAILED' | 'RECEIVED'; processing_error?: string }) {
  const payload = {
    eventId: n,
    subscriptionId: 1,
    portalId: 2,
    subscriptionType: 'company.propertyChange',
    objectId: 900 + n,
    propertyName: 'name',
    occurredAt: 1_700_000_000_000,
  };
  const row = await db
    .insertInto('hubspot_webhook_events')
    .values({
      dedupe_key: createHash('sha256').update(`test-${n}`).digest('hex'),
      event_id: String(n),
      subscription_type: 'company.propertyChange',
      object_id: String(900 + n),
      property_name: 'name',
      occurred_at: new Date(1_700_000_000_000),
      payload,
      processing_attempts: values.status === 'FAILED' ? 5 : 0,
      ...values,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('sync operations API over HTTP', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const outboxPublisher = recordingPublisher();
  const publishedEvents: string[] = [];
  const eventPublisher: EventBatchPublisher = {
    async publishBatch(_topic, messages) {
      publishedEvents.push(...messages.map((m) => String((m.message as { webhookEventId: string }).webhookEventId)));
      return messages.map((_, i) => `event-${i}`);
    },
    close: async () => undefined,
  };
  let schedulerRead: () => Promise<ScheduledJob> = async () => JOB;
  const scheduler: ScheduledJobReader = { jobName: JOB.name, read: () => schedulerRead() };

  const createCustomer = async (overrides: Record<string, unknown> = {}) =>
    (await call(api, 'POST', '/v1/customers', { body: newCustomer(overrides) })).body.data as { id: string; ban: string };
  const logOf = (operation: string) =>
    t.db.selectFrom('hubspot_sync_log').selectAll().where('operation', '=', operation).orderBy('id').execute();

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, {
      authenticator: fakeAuthenticator().authenticator,
      sync: {
        outboxPublishing: { publisher: outboxPublisher, topic: 'outbox' },
        eventPublishing: { publisher: eventPublisher, topic: 'events' },
        scheduler,
        rateBudget: { key: 'test', maxPerWindow: 100, windowMs: 10_000 },
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await t?.destroy();
  });

  describe('GET /v1/sync/status', () => {
    it('is healthy on an idle sync, with the schedule from Cloud Scheduler', async () => {
      const res = await call(api, 'GET', '/v1/sync/status');
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        healthy: true,
        reasons: [],
        outbox: { failed: { count: 0, newestAt: null }, parked: 0 },
        webhookEvents: { unprocessed: { count: 0, oldestAt: null }, failed: { count: 0 } },
        conflicts: { open: 0 },
        customersNeedingAttention: { count: 0, byStatus: {} },
        rateBudget: { key: 'test', limitPerWindow: 100, api: { bucket: 'test:api', callsInWindow: 0, blockedReason: null } },
        lastReconciliation: null,
        nextReconciliation: JOB,
      });
    });

    it('names every reason it is unhealthy, and counts what needs a person', async () => {
      const [a, b] = [await createCustomer(), await createCustomer()];
      await t.db.updateTable('customers').set({ hubspot_link_status: 'DELETED' }).where('id', '=', a.id).execute();
      await t.db.updateTable('customers').set({ hubspot_link_status: 'NEEDS_ATTENTION' }).where('id', '=', b.id).execute();
      await t.db
        .insertInto('hubspot_sync_queue')
        .values([
          {
            customer_id: a.id,
            operation: 'UPDATE',
            origin: 'WARP',
            status: 'FAILED',
            attempts: 5,
            last_error: 'HubSpot refused',
            processed_at: new Date(),
          },
          { customer_id: a.id, operation: 'UPDATE', origin: 'WARP', status: 'PENDING', created_at: new Date(Date.now() - 3_600_000) },
        ])
        .execute();
      await insertWebhookEvent(t.db, 1, { status: 'FAILED', processing_error: 'boom' });
      await t.db
        .insertInto('hubspot_reconciliation_runs')
        .values({ trigger: 'SCHEDULER', status: 'FAILED', error: 'HubSpot down', finished_at: new Date() })
        .execute();
      // A later dry run only reports: the failed real run still decides the verdict.
      await t.db
        .insertInto('hubspot_reconciliation_runs')
        .values({ trigger: 'OPERATOR', status: 'SUCCEEDED', dry_run: true, finished_at: new Date() })
        .execute();
      await t.db
        .insertInto('hubspot_rate_budget')
        .values({
          bucket: 'test:api',
          reserved_at_ms: [String(Date.now()), String(Date.now())],
          blocked_until: new Date(Date.now() + 3_600_000),
          blocked_reason: 'DAILY',
          daily_limit: 250_000,
          daily_remaining: 0,
          daily_observed_at: new Date(),
        })
        .execute();
      try {
        const res = await call(api, 'GET', '/v1/sync/status');
        expect(res.status).toBe(200);
        const s = res.body.data;
        expect(s.healthy).toBe(false);
        expect(s.outbox.backlog.count).toBeGreaterThanOrEqual(1);
        expect(s.outbox.backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(3_599);
        expect(s.outbox.failed.count).toBe(1);
        expect(s.webhookEvents.failed.count).toBe(1);
        expect(s.customersNeedingAttention).toEqual({ count: 2, byStatus: { DELETED: 1, NEEDS_ATTENTION: 1 } });
        expect(s.rateBudget.api).toMatchObject({ callsInWindow: 2, blockedReason: 'DAILY' });
        expect(s.rateBudget).toMatchObject({ dailyCallsUsed: 250_000, dailyLimit: 250_000, dailyObservedAt: expect.any(String) });
        expect(s.lastReconciliation).toMatchObject({
          trigger: 'SCHEDULER',
          status: 'FAILED',
          error: 'HubSpot down',
          dryRun: false,
          mode: null,
        });
        expect(s.reasons).toEqual([
          expect.stringMatching(/^outbox backlog: the oldest pending change is \d+ s old$/),
          '1 outbox changes failed for good',
          '1 webhook events failed for good',
          '2 customers need attention (their HubSpot link)',
          expect.stringMatching(/^HubSpot's daily limit is reached/),
          expect.stringMatching(/^the last reconciliation run \(\d+\) failed$/),
        ]);
      } finally {
        await t.db.deleteFrom('hubspot_sync_queue').where('customer_id', 'in', [a.id, b.id]).execute();
        await t.db.updateTable('customers').set({ hubspot_link_status: 'UNLINKED' }).where('id', 'in', [a.id, b.id]).execute();
        await t.db.deleteFrom('hubspot_webhook_events').execute();
        await t.db.deleteFrom('hubspot_reconciliation_runs').execute();
        await t.db.deleteFrom('hubspot_rate_budget').execute();
      }
    });

    it('answers when Cloud Scheduler cannot be read, and says so', async () => {
      schedulerRead = async () => {
        throw new Error('PERMISSION_DENIED');
      };
      try {
        const res = await call(api, 'GET', '/v1/sync/status');
        expect(res.status).toBe(200);
        expect(res.body.data.nextReconciliation).toEqual({ name: JOB.name, error: 'Cloud Scheduler could not be read' });
        expect(res.body.data.reasons).toContain('the reconciliation schedule could not be read');
      } finally {
        schedulerRead = async () => JOB;
      }
    });
  });

  describe('GET and POST /v1/customers/:id/sync', () => {
    it('shows every mapped field on both sides, the open conflict and the link', async () => {
      const c = await createCustomer({ legal_name: 'Warp Side LLC' });
      await t.db
        .insertInto('hubspot_field_state')
        .values([
          { customer_id: c.id, warp_field: 'company_name', hubspot_property: 'name', base_value: 'Agreed Name' },
          {
            customer_id: c.id,
            warp_field: 'legal_name',
            hubspot_property: 'warp_legal_name',
            base_value: 'Old LLC',
            conflict_status: 'OPEN',
            conflict_warp_value: 'Warp Side LLC',
            conflict_hubspot_value: 'HubSpot Side LLC',
            conflict_opened_at: new Date(),
          },
        ])
        .execute();
      const res = await call(api, 'GET', `/v1/customers/${c.id}/sync`);
      expect(res.status).toBe(200);
      const view = res.body.data;
      expect(view).toMatchObject({
        customerId: c.id,
        ban: c.ban,
        link: { hubspotCompanyId: null, status: 'UNLINKED' },
        mappingError: null,
      });
      const field = (name: string) => view.fields.find((f: { warpField: string }) => f.warpField === name);
      expect(field('company_name')).toMatchObject({
        direction: 'BIDIRECTIONAL',
        conflictRule: 'LATEST_WINS',
        base: 'Agreed Name',
        lastKnownHubspotValue: 'Agreed Name',
        hasBase: true,
        openConflict: null,
      });
      expect(field('legal_name')).toMatchObject({
        warpValue: 'Warp Side LLC',
        lastKnownHubspotValue: 'HubSpot Side LLC',
        base: 'Old LLC',
        openConflict: { warpValue: 'Warp Side LLC', hubspotValue: 'HubSpot Side LLC' },
      });
      expect(field('credit_limit')).toMatchObject({ hasBase: false, base: null, lastSyncedAt: null });
      expect(view.log).toEqual({ items: [], nextCursor: null });
    });

    it('pages the customer log with a cursor; a forged cursor is a 400 naming it', async () => {
      const c = await createCustomer();
      await t.db
        .insertInto('hubspot_sync_log')
        .values(
          Array.from({ length: 60 }, (_, i) => ({
            customer_id: c.id,
            direction: 'NONE' as const,
            operation: 'IN_SYNC',
            status: 'SKIPPED' as const,
            fields: { n: i },
          })),
        )
        .execute();
      const first = await call(api, 'GET', `/v1/customers/${c.id}/sync`);
      expect(first.body.data.log.items).toHaveLength(50);
      expect(first.body.data.log.items[0].fields).toEqual({ n: 59 });
      const second = await call(api, 'GET', `/v1/customers/${c.id}/sync?logCursor=${first.body.data.log.nextCursor}`);
      expect(second.body.data.log.items.map((e: { fields: { n: number } }) => e.fields.n)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      expect(second.body.data.log.nextCursor).toBeNull();
      const forged = await call(api, 'GET', `/v1/customers/${c.id}/sync?logCursor=bm90LWEtY3Vyc29y`);
      expect(forged.status).toBe(400);
      expect(forged.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [{ path: 'logCursor', message: 'is not a cursor this endpoint returned' }] },
      });
    });

    it('forces a resync: 202 with the outbox id, published, logged with the user; an Idempotency-Key replays', async () => {
      const c = await createCustomer();
      const res = await call(api, 'POST', `/v1/customers/${c.id}/sync`, { headers: { 'idempotency-key': 'resync-1' } });
      expect(res.status).toBe(202);
      const { outboxId } = res.body.data;
      expect(res.body.data).toEqual({ customerId: c.id, outboxId: expect.stringMatching(/^\d+$/) });
      const row = await t.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', outboxId).executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        customer_id: c.id,
        operation: 'RESYNC',
        origin: 'OPERATOR',
        changed_by: ALL_ACCESS_USER,
        status: 'PENDING',
      });
      expect(row.published_at).not.toBeNull();
      expect(outboxPublisher.outboxIds).toContain(outboxId);
      expect((await logOf('RESYNC_REQUESTED')).filter((l) => l.customer_id === c.id)).toMatchObject([
        { outbox_id: outboxId, fields: { by: ALL_ACCESS_USER } },
      ]);

      const again = await call(api, 'POST', `/v1/customers/${c.id}/sync`, { headers: { 'idempotency-key': 'resync-1' } });
      expect(again.status).toBe(202);
      expect(again.text).toBe(res.text);
      const resyncs = await t.db
        .selectFrom('hubspot_sync_queue')
        .select('id')
        .where('customer_id', '=', c.id)
        .where('operation', '=', 'RESYNC')
        .execute();
      expect(resyncs).toHaveLength(1);

      const other = await createCustomer();
      const reused = await call(api, 'POST', `/v1/customers/${other.id}/sync`, { headers: { 'idempotency-key': 'resync-1' } });
      expect(reused.status).toBe(422);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('is 404 for an unknown customer and 400 for a malformed id', async () => {
      expect((await call(api, 'POST', '/v1/customers/00000000-0000-4000-8000-00000000dead/sync')).status).toBe(404);
      const bad = await call(api, 'GET', '/v1/customers/not-a-uuid/sync');
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues[0].path).toBe('id');
    });
  });

  describe('conflicts', () => {
    let customers: Array<{ id: string }>;

    beforeAll(async () => {
      customers = [await createCustomer(), await createCustomer()];
      const opened = Date.now() - 60_000;
      await t.db
        .insertInto('hubspot_field_state')
        .values(
          customers.flatMap((c, i) =>
            (['legal_name', 'company_name'] as const).map((field, j) => ({
              customer_id: c.id,
              warp_field: field,
              hubspot_property: field === 'legal_name' ? 'warp_legal_name' : 'name',
              base_value: 'Base',
              conflict_status: 'OPEN' as const,
              conflict_warp_value: `W${i}${j}`,
              conflict_hubspot_value: `H${i}${j}`,
              conflict_opened_at: new Date(opened + i * 10 + j),
            })),
          ),
        )
        .onConflict((oc) => oc.columns(['customer_id', 'warp_field']).doNothing())
        .execute();
    });

    it('lists open conflicts oldest first, by customer and field, page by page', async () => {
      const mine = await call(api, 'GET', `/v1/sync/conflicts?customerId=${customers[0]!.id}`);
      expect(mine.body.data.items.map((c: { warpField: string }) => c.warpField)).toEqual(['legal_name', 'company_name']);
      const byField = await call(api, 'GET', '/v1/sync/conflicts?field=company_name');
      expect(byField.body.data.items.filter((c: { customerId: string }) => customers.some((x) => x.id === c.customerId))).toHaveLength(2);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(
          api,
          'GET',
          `/v1/sync/conflicts?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.body.data.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.body.data.items.map((c: { customerId: string; warpField: string }) => `${c.customerId}/${c.warpField}`));
        cursor = page.body.data.nextCursor;
      } while (cursor);
      const all = await call(api, 'GET', '/v1/sync/conflicts?limit=200');
      expect(seen).toEqual(all.body.data.items.map((c: { customerId: string; warpField: string }) => `${c.customerId}/${c.warpField}`));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('resolves through the CLI service, records the resolver from the token, and refuses a second time', async () => {
      const customerId = customers[1]!.id;
      const res = await call(api, 'POST', '/v1/sync/conflicts/resolve', { body: { customerId, field: 'legal_name', take: 'hubspot' } });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({
        customerId,
        field: 'legal_name',
        take: 'hubspot',
        value: 'H10',
        hubspotProperty: 'warp_legal_name',
        published: true,
      });
      const state = await t.db
        .selectFrom('hubspot_field_state')
        .selectAll()
        .where('customer_id', '=', customerId)
        .where('warp_field', '=', 'legal_name')
        .executeTakeFirstOrThrow();
      expect(state).toMatchObject({ conflict_status: 'NONE', base_value: 'W10' });
      const [entry] = (await logOf('RESOLVE_CONFLICT')).filter((l) => l.customer_id === customerId);
      expect(entry!.fields).toMatchObject({ legal_name: { take: 'HUBSPOT', by: ALL_ACCESS_USER, warpValue: 'W10', hubspotValue: 'H10' } });
      const again = await call(api, 'POST', '/v1/sync/conflicts/resolve', { body: { customerId, field: 'legal_name', take: 'hubspot' } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CONFLICT');
    });

    it('refuses a bad body naming the field', async () => {
      const res = await call(api, 'POST', '/v1/sync/conflicts/resolve', {
        body: { customerId: customers[0]!.id, field: 'legal_name', take: 'both' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['take']);
    });
  });

  describe('mappings', () => {
    const legalName = {
      hubspotProperty: 'warp_legal_name',
      direction: 'BIDIRECTIONAL',
      conflictRule: 'MANUAL',
      transform: { name: 'text' },
    };
    const configRows = () => t.db.selectFrom('hubspot_sync_config').selectAll().orderBy('id').execute();

    it('GET gives the global set and an ETag; a customer set marks its overrides', async () => {
      const res = await call(api, 'GET', '/v1/sync/mappings');
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toMatch(/^"m-/);
      expect(res.body.data.customerId).toBeNull();
      expect(res.body.data.mappings.find((m: { warpField: string }) => m.warpField === 'legal_name')).toMatchObject({
        source: 'GLOBAL',
        direction: 'BIDIRECTIONAL',
      });
      expect((await call(api, 'GET', '/v1/sync/mappings?customerId=00000000-0000-4000-8000-00000000dead')).status).toBe(404);
    });

    it('a refused save writes nothing and says why: 400 INVALID_MAPPING naming the field', async () => {
      const before = await configRows();
      const res = await call(api, 'PUT', '/v1/sync/mappings/legal_name', { body: { ...legalName, transform: { name: 'money' } } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_MAPPING');
      expect(res.body.error.details.warpField).toBe('legal_name');
      expect(res.body.error.details.problems.join(' ')).toMatch(/money/);
      const unknown = await call(api, 'PUT', '/v1/sync/mappings/contact.fax', { body: { ...legalName, hubspotProperty: 'fax' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({ code: 'INVALID_MAPPING', details: { warpField: 'contact.fax' } });
      const shape = await call(api, 'PUT', '/v1/sync/mappings/legal_name', { body: { ...legalName, direction: 'SIDEWAYS' } });
      expect(shape.status).toBe(400);
      expect(shape.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['direction']);
      expect(await configRows()).toEqual(before);
    });

    it('If-Match: a stale ETag is 412 and writes nothing; the current one saves, logged with the user', async () => {
      const read = await call(api, 'GET', '/v1/sync/mappings');
      const etag = read.headers.get('etag')!;
      const saved = await call(api, 'PUT', '/v1/sync/mappings/legal_name', { body: legalName, headers: { 'if-match': etag } });
      expect(saved.status).toBe(200);
      expect(saved.body.data).toMatchObject({
        customerId: null,
        warpField: 'legal_name',
        changed: true,
        mapping: { ...legalName, enabled: true },
      });
      const before = await configRows();
      const stale = await call(api, 'PUT', '/v1/sync/mappings/legal_name', {
        body: { ...legalName, conflictRule: 'LATEST_WINS' },
        headers: { 'if-match': etag },
      });
      expect(stale.status).toBe(412);
      expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
      expect(stale.body.error.details.etag).not.toBe(etag);
      expect(await configRows()).toEqual(before);
      const [entry] = (await logOf('MAPPING_SET')).slice(-1);
      expect(entry).toMatchObject({ customer_id: null, status: 'SUCCESS' });
      expect(entry!.fields).toMatchObject({
        legal_name: { scope: 'GLOBAL', by: ALL_ACCESS_USER, before: { conflictRule: 'LATEST_WINS' }, after: { conflictRule: 'MANUAL' } },
      });
    });

    it("every write answers the set's new ETag, equal to a fresh read's, so writes chain without a read", async () => {
      const c = await createCustomer();
      const first = await call(api, 'PUT', '/v1/sync/mappings/legal_name', { body: legalName });
      const global = await call(api, 'GET', '/v1/sync/mappings');
      expect(first.headers.get('etag')).toMatch(/^"m-/);
      expect(first.headers.get('etag')).toBe(global.headers.get('etag'));
      const chained = await call(api, 'PUT', '/v1/sync/mappings/legal_name', {
        body: { ...legalName, conflictRule: 'HUBSPOT_WINS' },
        headers: { 'if-match': first.headers.get('etag')! },
      });
      expect(chained.status).toBe(200);
      expect(chained.headers.get('etag')).not.toBe(first.headers.get('etag'));

      const override = { ...legalName, direction: 'WARP_TO_HUBSPOT', conflictRule: 'WARP_WINS' };
      const set = await call(api, 'PUT', `/v1/customers/${c.id}/sync/mappings/legal_name`, { body: override });
      expect(set.headers.get('etag')).toBe((await call(api, 'GET', `/v1/sync/mappings?customerId=${c.id}`)).headers.get('etag'));
      const removed = await call(api, 'DELETE', `/v1/customers/${c.id}/sync/mappings/legal_name`, {
        headers: { 'if-match': set.headers.get('etag')! },
      });
      expect(removed.status).toBe(200);
      expect(removed.headers.get('etag')).toBe((await call(api, 'GET', `/v1/sync/mappings?customerId=${c.id}`)).headers.get('etag'));
    });

    it("a customer's override is saved and removed under its set's ETag, each change resyncing the customer", async () => {
      const c = await createCustomer();
      const etag = (await call(api, 'GET', `/v1/sync/mappings?customerId=${c.id}`)).headers.get('etag')!;
      const override = { ...legalName, direction: 'WARP_TO_HUBSPOT', conflictRule: 'WARP_WINS' };
      const saved = await call(api, 'PUT', `/v1/customers/${c.id}/sync/mappings/legal_name`, {
        body: override,
        headers: { 'if-match': etag },
      });
      expect(saved.status).toBe(200);
      expect(saved.body.data).toMatchObject({ customerId: c.id, changed: true, resync: { outboxId: expect.any(String), published: true } });
      const view = await call(api, 'GET', `/v1/sync/mappings?customerId=${c.id}`);
      expect(view.body.data.mappings.find((m: { warpField: string }) => m.warpField === 'legal_name')).toMatchObject({
        source: 'OVERRIDE',
        direction: 'WARP_TO_HUBSPOT',
        updatedBy: ALL_ACCESS_USER,
      });
      const stale = await call(api, 'DELETE', `/v1/customers/${c.id}/sync/mappings/legal_name`, { headers: { 'if-match': etag } });
      expect(stale.status).toBe(412);
      const removed = await call(api, 'DELETE', `/v1/customers/${c.id}/sync/mappings/legal_name`, {
        headers: { 'if-match': view.headers.get('etag')! },
      });
      expect(removed.status).toBe(200);
      expect(removed.body.data).toMatchObject({ mapping: null, changed: true, resync: { published: true } });
      const entries = (await t.db.selectFrom('hubspot_sync_log').selectAll().where('customer_id', '=', c.id).orderBy('id').execute()).map(
        (l) => [l.operation, (l.fields as Record<string, { by: string }>).legal_name?.by],
      );
      expect(entries).toEqual([
        ['MAPPING_SET', ALL_ACCESS_USER],
        ['MAPPING_REMOVED', ALL_ACCESS_USER],
      ]);
      expect((await call(api, 'DELETE', `/v1/customers/${c.id}/sync/mappings/legal_name`)).status).toBe(404);
    });
  });

  describe('failures', () => {
    it('lists FAILED outbox rows and webhook events with error codes and attempts; retry puts them back to work and logs it', async () => {
      const c = await createCustomer();
      const failed = await t.db
        .insertInto('hubspot_sync_queue')
        .values(
          [1, 2, 3].map(() => ({
            customer_id: c.id,
            operation: 'UPDATE' as const,
            origin: 'WARP' as const,
            status: 'FAILED' as const,
            attempts: 5,
            last_error: 'given up',
            processed_at: new Date(),
            published_at: new Date(),
          })),
        )
        .returning('id')
        .execute();
      await t.db
        .insertInto('hubspot_sync_log')
        .values({
          customer_id: c.id,
          outbox_id: failed[2]!.id,
          direction: 'WARP_TO_HUBSPOT',
          operation: 'PUSH',
          status: 'FAILED',
          error_code: 'HUBSPOT_VALIDATION',
        })
        .execute();
      const eventId = await insertWebhookEvent(t.db, 2, { status: 'FAILED', processing_error: 'no such customer' });

      const first = await call(api, 'GET', '/v1/sync/failures?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.data.outbox.items).toMatchObject([
        { id: failed[2]!.id, attempts: 5, lastError: 'given up', errorCode: 'HUBSPOT_VALIDATION' },
        { id: failed[1]!.id, errorCode: null },
      ]);
      const next = await call(api, 'GET', `/v1/sync/failures?source=outbox&limit=2&outboxCursor=${first.body.data.outbox.nextCursor}`);
      expect(next.body.data.webhookEvents).toBeNull();
      expect(next.body.data.outbox.items.map((i: { id: string }) => i.id)).toEqual([failed[0]!.id]);
      expect(first.body.data.webhookEvents.items).toMatchObject([{ id: eventId, attempts: 5, processingError: 'no such customer' }]);

      const res = await call(api, 'POST', '/v1/sync/failures/retry', {
        body: { outboxIds: [failed[0]!.id, failed[1]!.id], webhookEventIds: [eventId] },
      });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        outbox: { retried: 2, ids: [failed[0]!.id, failed[1]!.id], published: 2 },
        webhookEvents: { retried: 1, ids: [eventId], published: 1 },
        remaining: { outbox: 1, webhookEvents: 0 },
      });
      const rows = await t.db.selectFrom('hubspot_sync_queue').selectAll().where('id', 'in', [failed[0]!.id, failed[1]!.id]).execute();
      for (const row of rows) expect(row).toMatchObject({ status: 'PENDING', attempts: 0, processed_at: null });
      for (const row of rows) expect(row.published_at).not.toBeNull();
      expect(outboxPublisher.outboxIds).toEqual(expect.arrayContaining([failed[0]!.id, failed[1]!.id]));
      expect(publishedEvents).toEqual([eventId]);
      const event = await t.db.selectFrom('hubspot_webhook_events').selectAll().where('id', '=', eventId).executeTakeFirstOrThrow();
      expect(event).toMatchObject({ status: 'PUBLISHED', processing_attempts: 0 });
      const retries = await logOf('RETRY');
      expect(retries.map((r) => [r.outbox_id, r.webhook_event_id, (r.fields as { by: string }).by])).toEqual([
        [failed[0]!.id, null, ALL_ACCESS_USER],
        [failed[1]!.id, null, ALL_ACCESS_USER],
        [null, eventId, ALL_ACCESS_USER],
      ]);
      expect(api.lines.some((l) => l.message === 'sync failures retried' && l.outbox === 2 && l.webhookEvents === 1)).toBe(true);

      const all = await call(api, 'POST', '/v1/sync/failures/retry', { body: { all: true } });
      expect(all.body.data).toMatchObject({
        outbox: { retried: 1, ids: [failed[2]!.id] },
        webhookEvents: { retried: 0 },
        remaining: { outbox: 0, webhookEvents: 0 },
      });
    });

    it('refuses a retry that says neither what nor all, naming the field', async () => {
      for (const body of [{}, { all: true, outboxIds: ['1'] }]) {
        const res = await call(api, 'POST', '/v1/sync/failures/retry', { body });
        expect(res.status).toBe(400);
        expect(res.body.error.details.issues).toEqual([
          { path: 'all', message: 'give outboxIds and/or webhookEventIds, or all: true (not both)' },
        ]);
      }
      const bad = await call(api, 'POST', '/v1/sync/failures/retry', { body: { outboxIds: ['x'] } });
      expect(bad.body.error.details.issues[0].path).toBe('outboxIds.0');
    });
  });

  it('answers every read with data its documented schema accepts', async () => {
    const c = await createCustomer();
    await call(api, 'POST', `/v1/customers/${c.id}/sync`);
    const docs = new Map(
      syncRoutes({ db: t.db, log: createMemoryLogger('ERROR').logger }).map((r) => [`${r.method} ${r.pattern}`, r.handler.doc!]),
    );
    const reads: Array<[string, string]> = [
      ['GET /sync/status', '/v1/sync/status'],
      ['GET /sync/log', '/v1/sync/log?limit=5'],
      ['GET /sync/conflicts', '/v1/sync/conflicts'],
      ['GET /sync/mappings', `/v1/sync/mappings?customerId=${c.id}`],
      ['GET /sync/failures', '/v1/sync/failures'],
      ['GET /customers/:id/sync', `/v1/customers/${c.id}/sync`],
    ];
    for (const [route, path] of reads) {
      const res = await call(api, 'GET', path);
      expect(res.status, path).toBe(200);
      const parsed = docs.get(route)!.responses[200]!.data!.safeParse(res.body.data);
      expect(parsed.error?.issues, path).toBeUndefined();
    }
  });

  describe('GET /v1/sync/log', () => {
    it('filters by customer, status, operation and time, keyset-paged', async () => {
      const c = await createCustomer();
      await t.db
        .insertInto('hubspot_sync_log')
        .values([
          {
            customer_id: c.id,
            direction: 'WARP_TO_HUBSPOT',
            operation: 'PUSH',
            status: 'SUCCESS',
            created_at: new Date('2026-01-01T00:00:00Z'),
          },
          { customer_id: c.id, direction: 'WARP_TO_HUBSPOT', operation: 'PUSH', status: 'FAILED', error_code: 'HUBSPOT_VALIDATION' },
          { customer_id: c.id, direction: 'HUBSPOT_TO_WARP', operation: 'PULL', status: 'SUCCESS' },
          { customer_id: c.id, direction: 'WARP_TO_HUBSPOT', operation: 'PUSH', status: 'SUCCESS' },
        ])
        .execute();
      const pushes = await call(api, 'GET', `/v1/sync/log?customerId=${c.id}&operation=PUSH&limit=2`);
      expect(pushes.body.data.items.map((e: { status: string }) => e.status)).toEqual(['SUCCESS', 'FAILED']);
      const rest = await call(api, 'GET', `/v1/sync/log?customerId=${c.id}&operation=PUSH&limit=2&cursor=${pushes.body.data.nextCursor}`);
      expect(rest.body.data).toMatchObject({ items: [{ createdAt: '2026-01-01T00:00:00.000Z' }], nextCursor: null });
      const failedOnes = await call(api, 'GET', `/v1/sync/log?customerId=${c.id}&status=FAILED`);
      expect(failedOnes.body.data.items).toMatchObject([{ operation: 'PUSH', errorCode: 'HUBSPOT_VALIDATION', customerId: c.id }]);
      const recent = await call(api, 'GET', `/v1/sync/log?customerId=${c.id}&since=2026-06-01T00:00:00Z`);
      expect(recent.body.data.items).toHaveLength(3);
    });

    it('refuses bad filters naming each', async () => {
      const res = await call(api, 'GET', '/v1/sync/log?status=BROKEN&since=yesterday&limit=0');
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'since', 'status']);
    });
  });
});
