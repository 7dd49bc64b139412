import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { fieldMappingsSchema } from '../../../shared/sync/field-mapping.js';
import { getPath } from '../../../shared/sync/json-path.js';
import { transformFor } from '../../../shared/sync/transforms.js';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { outboxMessageSchema } from '../../../shared/outbox/outbox-message.js';
import { handleOutboxMessage } from '../../../shared/outbound-sync/handle-outbox-message.js';
import { createCustomerService } from '../../../shared/customers/service.js';
import { enqueueResync } from '../../../shared/inbound-sync/resync-requests.js';
import { banFor, insertCustomer } from '../../support/customer-factory.js';
import { clockPast } from '../../support/wait-for.js';
import {
  ADMIN,
  hubspotCalls,
  outboxSettled,
  sandboxCompaniesByBan,
  startFieldSyncHarness,
  waitFor,
  workerLogLines,
  type FieldSyncHarness,
} from './field-sync-harness.js';

const newCustomer = (name: string): CreateCustomerInput => ({
  company_name: name,
  legal_name: `${name} LLC`,
  customer_type: 'POSTPAID',
  status: 'ACTIVE',
  billing_cycle: 'MONTHLY',
  credit_limit: '2500.00',
  payment_terms: 45,
  contact: { name: 'Ada Ops', email: 'Ops@Example.com', phone: '(415) 555-0100' },
  address: { line1: '1 Market St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
});

async function customerRow(h: FieldSyncHarness, id: string) {
  return h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Every synced field, canonical on both sides: WARP's customer row and the sandbox company. */
async function expectSidesAgree(h: FieldSyncHarness, customerId: string) {
  const customer = await customerRow(h, customerId);
  expect(customer.hubspot_company_id).toBeTruthy();
  const company = await h.sandbox.control.company(customer.hubspot_company_id!);
  const mappings = fieldMappingsSchema.parse(
    (await h.database.db.selectFrom('hubspot_sync_config').selectAll().where('customer_id', 'is', null).execute()).map((r) => ({
      warpField: r.warp_field,
      hubspotProperty: r.hubspot_property,
      direction: r.direction,
      conflictRule: r.conflict_rule,
      transform: r.transform,
    })),
  );
  expect(mappings.map((m) => m.warpField).sort()).toEqual(DEFAULT_FIELD_MAPPINGS.map((m) => m.warpField).sort());
  for (const mapping of mappings.filter((m) => m.direction !== 'NONE')) {
    const t = transformFor(mapping.transform);
    const warp = t.fromWarp(getPath(customer as unknown as Record<string, unknown>, mapping.warpField));
    const hubspot = t.fromHubspot(company.properties[mapping.hubspotProperty]);
    expect({ field: mapping.warpField, value: hubspot.ok ? hubspot.value : hubspot.error.message }).toEqual({
      field: mapping.warpField,
      value: warp.ok ? warp.value : 'unreadable',
    });
  }
  return { customer, company };
}

describe('WARP to HubSpot through Pub/Sub (emulator + sandbox)', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
    await h.startWorker();
  });
  afterAll(() => h?.close());

  it('a customer created through the API becomes exactly one company holding the mapped values', async () => {
    const created = JSON.parse((await h.customers.create(ADMIN, newCustomer('Acme Telecom'), {})).body) as {
      data: { id: string; ban: string };
    };
    const { id, ban } = created.data;
    await waitFor(async () => (await customerRow(h, id)).hubspot_link_status === 'LINKED', 'link', 20_000);
    await outboxSettled(h);

    const { customer, company } = await expectSidesAgree(h, id);
    expect(company.properties.warp_ban).toBe(ban);
    expect(company.properties.name).toBe('Acme Telecom');
    expect(company.properties.phone).toBe('+14155550100');
    expect(customer.hubspot_link_status).toBe('LINKED');
    expect((await sandboxCompaniesByBan(h)).get(ban)).toEqual([customer.hubspot_company_id]);

    const outbox = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', id).execute();
    expect(outbox.map((r) => [r.operation, r.status])).toEqual([['CREATE', 'DONE']]);
    expect(outbox[0]!.published_at).not.toBeNull();
    const log = await h.database.db.selectFrom('hubspot_sync_log').selectAll().where('customer_id', '=', id).orderBy('id').execute();
    expect(log.map((l) => [l.operation, l.status])).toEqual([
      ['CREATE_COMPANY', 'SUCCESS'],
      ['PUSH', 'SUCCESS'],
    ]);
    expect(log[1]!.fields).toMatchObject({ company_name: { hubspotProperty: 'name', old: null, new: 'Acme Telecom' } });
    const states = await h.database.db.selectFrom('hubspot_field_state').selectAll().where('customer_id', '=', id).execute();
    expect(states.find((s) => s.warp_field === 'contact.email')?.base_value).toBe('ops@example.com');
  });

  it('updates through the API reach HubSpot, and a redelivered message makes no HubSpot call', async () => {
    const created = JSON.parse((await h.customers.create(ADMIN, newCustomer('Globex'), {})).body) as { data: { id: string } };
    const id = created.data.id;
    await waitFor(async () => (await customerRow(h, id)).hubspot_link_status === 'LINKED', 'link', 20_000);
    await outboxSettled(h);

    await h.customers.update(ADMIN, id, { company_name: 'Globex Corporation', address: { city: 'Cypress Creek' } });
    await outboxSettled(h);
    const { company } = await expectSidesAgree(h, id);
    expect(company.properties.name).toBe('Globex Corporation');
    expect(company.properties.city).toBe('Cypress Creek');

    // Redelivery and duplicates: the same message again, through Pub/Sub and straight to the worker.
    const last = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const message = outboxMessageSchema.parse({
      outboxId: last.id,
      customerId: id,
      operation: last.operation,
      origin: last.origin,
      changedAt: last.changed_at.toISOString(),
    });
    const callsBefore = await hubspotCalls(h);
    const redelivery = await h.publisher.publish(h.names.outboxTopic, message, { orderingKey: id });
    await expect(handleOutboxMessage(h.workerDeps(), message)).resolves.toEqual({ kind: 'ALREADY_DONE' });
    // The worker's line for that delivery (traced by its message id), logged just before it acks.
    const lineOf = (trace: string) =>
      workerLogLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['logging.googleapis.com/trace'] === trace);
    const handled = await waitFor(async () => lineOf(redelivery), 'the worker to handle the redelivered message');
    expect(handled).toMatchObject({ message: 'outbox message needs no work here', state: 'ALREADY_DONE', outboxId: last.id });
    expect(await hubspotCalls(h)).toBe(callsBefore);
    const company2 = await h.sandbox.control.company(company.id);
    expect(company2.properties.name).toBe('Globex Corporation');
  });

  it("a customer linked by BAN to a company HubSpot already has gets HubSpot's values in that same first sync", async () => {
    const ban = banFor(1, 'LX');
    const company = await h.sandbox.control.createAsUser({ warp_ban: ban, name: 'Pre-existing Co', warp_credit_limit: '777' });
    // Created in WARP without a credit limit (HubSpot owns it): the first sync fills the empty side.
    const customer = await insertCustomer(h.database.db, 1, { ban, company_name: 'Pre-existing Co', credit_limit: null });
    const row = await h.database.db
      .insertInto('hubspot_sync_queue')
      .values({ customer_id: customer.id, operation: 'CREATE', origin: 'WARP', changed_fields: ['company_name'] })
      .returning(['id', 'changed_at'])
      .executeTakeFirstOrThrow();

    const outcome = await handleOutboxMessage(h.workerDeps(), {
      outboxId: row.id,
      customerId: customer.id,
      operation: 'CREATE',
      origin: 'WARP',
      changedAt: row.changed_at.toISOString(),
    });
    expect(outcome).toMatchObject({ kind: 'SYNCED', warpWrites: 1, failedCustomers: 0 });
    const synced = await customerRow(h, customer.id);
    expect(synced).toMatchObject({ hubspot_company_id: company.id, hubspot_link_status: 'LINKED', credit_limit: '777.00' });
    // One version for the link, one for the pulled value.
    expect(synced.version).toBe(customer.version + 2);
    expect((await sandboxCompaniesByBan(h)).get(ban)).toEqual([company.id]);
    const log = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('customer_id', '=', customer.id)
      .orderBy('id')
      .execute();
    expect(log.map((l) => l.operation)).toContain('LINK_COMPANY');
    expect(log.find((l) => l.operation === 'PULL')?.fields).toMatchObject({
      credit_limit: { hubspotProperty: 'warp_credit_limit', new: '777.00' },
    });
  });

  it('an echo of our own write plans to nothing: a resync of an unchanged customer writes nothing', async () => {
    const created = JSON.parse((await h.customers.create(ADMIN, newCustomer('Initech'), {})).body) as { data: { id: string } };
    const id = created.data.id;
    await waitFor(async () => (await customerRow(h, id)).hubspot_link_status === 'LINKED', 'link', 20_000);
    await outboxSettled(h);
    await h.sandbox.control.clearRequests();

    const row = await h.database.db
      .insertInto('hubspot_sync_queue')
      .values({ customer_id: id, operation: 'RESYNC', origin: 'OPERATOR' })
      .returning(['id', 'changed_at'])
      .executeTakeFirstOrThrow();
    const outcome = await handleOutboxMessage(h.workerDeps(), {
      outboxId: row.id,
      customerId: id,
      operation: 'RESYNC',
      origin: 'OPERATOR',
      changedAt: row.changed_at.toISOString(),
    });
    expect(outcome).toMatchObject({ kind: 'SYNCED', hubspotWrites: 0, warpWrites: 0 });
    const { counters } = await h.sandbox.control.requests();
    expect(counters.total).toBe(1); // the one history read; no write
    expect(Object.keys(counters.byRoute).every((route) => route.startsWith('POST') && route.includes('batch/read'))).toBe(true);
  });

  it('a RESYNC naming a field is not a WARP change: LATEST_WINS still compares the real edit times', async () => {
    const created = JSON.parse((await h.customers.create(ADMIN, newCustomer('Umbrella'), {})).body) as { data: { id: string } };
    const id = created.data.id;
    const { hubspot_company_id: companyId } = await waitFor(
      async () => {
        const row = await customerRow(h, id);
        return row.hubspot_link_status === 'LINKED' && row;
      },
      'link',
      20_000,
    );
    await outboxSettled(h);

    // WARP edits first (not synced yet), HubSpot edits later, then a re-check is requested:
    // the RESYNC is the newest row, but HubSpot's edit is the newest change, so HubSpot wins.
    // Each change waits for the clock to pass the one before, so the three times are distinct.
    await createCustomerService({ db: h.database.db, log: h.log }).update(ADMIN, id, { company_name: 'Umbrella (WARP)' });
    await clockPast((await customerRow(h, id)).updated_at);
    const edited = await h.sandbox.control.editAsUser(companyId!, { name: 'Umbrella (HubSpot)' });
    await clockPast(edited.updatedAt);
    const resyncId = await enqueueResync(h.database.db, id, ['company_name'], new Date());
    const resync = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', resyncId).executeTakeFirstOrThrow();

    const outcome = await handleOutboxMessage(h.workerDeps(), {
      outboxId: resyncId,
      customerId: id,
      operation: 'RESYNC',
      origin: 'HUBSPOT',
      changedAt: resync.changed_at.toISOString(),
    });
    expect(outcome).toMatchObject({ kind: 'SYNCED', rows: 2, hubspotWrites: 0, warpWrites: 1 });
    expect((await customerRow(h, id)).company_name).toBe('Umbrella (HubSpot)');
    expect((await h.sandbox.control.company(companyId!)).properties.name).toBe('Umbrella (HubSpot)');
    const log = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('customer_id', '=', id)
      .where('operation', '=', 'PULL')
      .execute();
    expect(log.map((l) => (l.fields as Record<string, { reason?: string }>).company_name?.reason)).toEqual(['LATEST_WINS']);
  });
});
