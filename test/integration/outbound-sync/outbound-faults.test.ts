import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerService } from '../../../shared/customers/service.js';
import { handleOutboxMessage } from '../../../shared/outbound-sync/handle-outbox-message.js';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import { relayUnpublished } from '../../../shared/outbox/relay.js';
import {
  ADMIN,
  createViaApi,
  customerInput,
  customerRow as customer,
  messageFor,
  outboxSettled,
  sandboxCompaniesByBan,
  startFieldSyncHarness,
  waitFor,
  workerLogLines,
  type FieldSyncHarness,
} from './field-sync-harness.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';
import { recordingPublisher } from './recording-publisher.js';

async function outboxRow(h: FieldSyncHarness, id: string) {
  return h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('outbound sync under HubSpot faults, through the emulator', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('a 429 storm and 5xx answers within the retry policy end in the correct state', async () => {
    await h.sandbox.control.addFault({ kind: 'status', status: 429, count: 4, pathPrefix: '/crm/v3/objects/companies/batch' });
    await h.sandbox.control.addFault({ kind: 'status', status: 503, count: 3, skip: 2, pathPrefix: '/crm/v3/objects/companies/batch' });
    const created = await Promise.all(['Storm One', 'Storm Two', 'Storm Three'].map((n) => createViaApi(h, n)));
    await outboxSettled(h, 40_000);
    await h.sandbox.control.clearFaults();
    const byBan = await sandboxCompaniesByBan(h);
    for (const c of created) {
      const row = await customer(h, c.id);
      expect(row.hubspot_link_status).toBe('LINKED');
      expect(byBan.get(c.ban)).toEqual([row.hubspot_company_id]);
      expect((await h.sandbox.control.company(row.hubspot_company_id!)).properties.name).toBe(row.company_name);
    }
    const { counters } = await h.sandbox.control.requests();
    expect(counters.byStatus['429']).toBe(4);
    expect(counters.byStatus['503']).toBe(3);
  });

  it('5xx outliving the adapter retries: rows go back to PENDING, Pub/Sub redelivers, the change lands', async () => {
    await h.sandbox.control.addFault({ kind: 'status', status: 502, count: 12, pathPrefix: '/crm/v3/objects/companies/batch' });
    const c = await createViaApi(h, 'Flaky Networks');
    await waitFor(async () => (await customer(h, c.id)).hubspot_link_status === 'LINKED', 'link after redelivery', 40_000);
    await outboxSettled(h, 40_000);
    await h.sandbox.control.clearFaults();
    const row = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('DONE');
    expect(row.attempts).toBeGreaterThanOrEqual(1);
    expect(row.last_error).toBeNull();
    const log = await h.database.db.selectFrom('hubspot_sync_log').selectAll().where('customer_id', '=', c.id).orderBy('id').execute();
    expect(log.some((l) => l.status === 'RETRYING' && l.error_code === 'HubspotUnavailableError')).toBe(true);
    expect(log.at(-1)).toMatchObject({ operation: 'PUSH', status: 'SUCCESS' });
    expect(h.workerErrors.length).toBeGreaterThanOrEqual(1);
    expect((await sandboxCompaniesByBan(h)).get(c.ban)).toHaveLength(1);
  });

  it('a row left unpublished by a crash between commit and publish is relayed and synced', async () => {
    const noPublish = createCustomerService({ db: h.database.db, log: h.log });
    const c = (JSON.parse((await noPublish.create(ADMIN, customerInput('Relay Rescue'), {})).body) as { data: { id: string; ban: string } })
      .data;
    // Committed, never published: no worker was told of the change, only the relay can be.
    const [row] = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', c.id).execute();
    expect(row).toMatchObject({ operation: 'CREATE', status: 'PENDING', published_at: null, attempts: 0 });
    expect((await customer(h, c.id)).hubspot_link_status).toBe('UNLINKED');
    expect(await h.relay()).toEqual({ published: 1, failed: 0 });
    await waitFor(async () => (await customer(h, c.id)).hubspot_link_status === 'LINKED', 'relayed link', 20_000);
    await outboxSettled(h);
    expect((await sandboxCompaniesByBan(h)).get(c.ban)).toHaveLength(1);
    expect(await h.relay()).toEqual({ published: 0, failed: 0 });
  });
});

describe('outbound sync crash and validation paths (worker called directly)', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
  });
  afterAll(() => h?.close());

  it('a crash after HubSpot was written but before the state was saved converges without a duplicate', async () => {
    const c = await createViaApi(h, 'Crash Test Dummies');
    const message = await messageFor(h, c.id);
    let crashed = false;
    const crashing: CompanyGateway = {
      batchReadCurrentValues: (...a) => h.hubspot.companies.batchReadCurrentValues(...a),
      batchReadWithHistory: (...a) => h.hubspot.companies.batchReadWithHistory(...a),
      batchUpsertByUniqueProperty: (...a) => h.hubspot.companies.batchUpsertByUniqueProperty(...a),
      async batchUpdate(inputs) {
        const outcomes = await h.hubspot.companies.batchUpdate(inputs);
        if (!crashed) {
          crashed = true;
          throw new Error('process killed after the HubSpot write');
        }
        return outcomes;
      },
    };
    await expect(handleOutboxMessage(h.workerDeps({ companies: crashing }), message)).rejects.toThrow('process killed');
    const afterCrash = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('id', '=', message.outboxId)
      .executeTakeFirstOrThrow();
    expect(afterCrash).toMatchObject({ status: 'PENDING', attempts: 1 });
    // The link is stored before anything is written to the company; the values reached HubSpot.
    const linkedCompany = (await customer(h, c.id)).hubspot_company_id;
    expect((await sandboxCompaniesByBan(h)).get(c.ban)).toEqual([linkedCompany]);

    await h.sandbox.control.clearRequests();
    const outcome = await handleOutboxMessage(h.workerDeps(), message);
    expect(outcome).toMatchObject({ kind: 'SYNCED', hubspotWrites: 0 }); // HubSpot already agrees: nothing to write
    const row = await customer(h, c.id);
    expect(row.hubspot_link_status).toBe('LINKED');
    const byBan = await sandboxCompaniesByBan(h);
    expect(byBan.get(c.ban)).toEqual([row.hubspot_company_id]);
    const states = await h.database.db.selectFrom('hubspot_field_state').selectAll().where('customer_id', '=', c.id).execute();
    expect(states.find((s) => s.warp_field === 'company_name')?.base_value).toBe('Crash Test Dummies');
  });

  it('a value HubSpot refuses (400) is logged per field, the other fields are written, the message is acked', async () => {
    const [id] = await insertCustomersWithOutbox(h.database.db, 1, { prefix: 'VV' });
    await h.database.db
      .insertInto('hubspot_sync_config')
      .values({
        customer_id: id!,
        warp_field: 'status',
        hubspot_property: 'warp_status',
        direction: 'WARP_TO_HUBSPOT',
        conflict_rule: 'WARP_WINS',
        transform: { name: 'enum', values: { ACTIVE: 'not_an_option', SUSPENDED: 's', TRIAL: 't', CLOSED: 'c' } },
      })
      .execute();
    const message = await messageFor(h, id!);
    const outcome = await handleOutboxMessage(h.workerDeps(), message);
    expect(outcome).toMatchObject({ kind: 'SYNCED', failedCustomers: 1 });
    const row = await customer(h, id!);
    const company = await h.sandbox.control.company(row.hubspot_company_id!);
    expect(company.properties.name).toBe(row.company_name);
    expect(company.properties.warp_status ?? '').toBe('');
    const failed = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('customer_id', '=', id!)
      .where('status', '=', 'FAILED')
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ operation: 'PUSH', error_code: 'HUBSPOT_VALIDATION' });
    expect(Object.keys(failed.fields)).toEqual(['status']);
    expect(failed.error_message).toContain('not_an_option');
    const outbox = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('id', '=', message.outboxId)
      .executeTakeFirstOrThrow();
    expect(outbox.status).toBe('FAILED');
    expect(outbox.last_error).toContain('HubSpot refused');
  });

  it("HubSpot's DAILY limit parks the rows and acks; they come back once the pause is over, not before", async () => {
    const [id] = await insertCustomersWithOutbox(h.database.db, 1, { prefix: 'DL' });
    await h.sandbox.control.configure({ dailyLimit: 1 }); // already spent by the tests above
    workerLogLines.length = 0;
    const message = await messageFor(h, id!);
    const outcome = await handleOutboxMessage(h.workerDeps(), message);
    expect(outcome).toMatchObject({ kind: 'PARKED', rows: 1, customers: 1 });
    const parked = await outboxRow(h, message.outboxId);
    expect(parked.status).toBe('PARKED');
    expect(parked.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    expect(parked.next_attempt_at).toEqual((outcome as { retryAt: Date }).retryAt);
    const parkedLine = workerLogLines.find((l) => l.includes('daily limit resets'));
    expect(parkedLine).toContain('"severity":"WARNING"');
    expect(parkedLine).toContain('"customers":1');

    // Before the pause ends: a redelivery does nothing and the relay leaves the row alone.
    await expect(handleOutboxMessage(h.workerDeps(), message)).resolves.toEqual({ kind: 'PARKED' });
    const recorder = recordingPublisher();
    const relayed = recorder.outboxIds;
    const relayOptions = { graceMs: 0, limit: 1000, topic: 'recorded', stuckAfterMs: 1_000 };
    await relayUnpublished(h.database.db, recorder, relayOptions);
    expect(relayed).not.toContain(message.outboxId);

    // The pause is over (HubSpot's limit reset, next_attempt_at passed): relayed once, then synced.
    await h.sandbox.control.configure({ dailyLimit: null });
    await h.database.db.updateTable('hubspot_rate_budget').set({ blocked_until: null, blocked_reason: null }).execute();
    await h.database.db
      .updateTable('hubspot_sync_queue')
      .set({ next_attempt_at: new Date(Date.now() - 1_000) })
      .where('id', '=', message.outboxId)
      .execute();
    await relayUnpublished(h.database.db, recorder, relayOptions);
    await relayUnpublished(h.database.db, recorder, relayOptions);
    expect(relayed.filter((outboxId) => outboxId === message.outboxId)).toHaveLength(1);
    await expect(handleOutboxMessage(h.workerDeps(), message)).resolves.toMatchObject({ kind: 'SYNCED', rows: 1, failedCustomers: 0 });
    expect((await outboxRow(h, message.outboxId)).status).toBe('DONE');
  });
});
