import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { createCustomerService } from '../../../shared/customers/service.js';
import { handleOutboxMessage } from '../../../shared/outbound-sync/handle-outbox-message.js';
import { ADMIN, messageFor, startFieldSyncHarness, waitFor, type FieldSyncHarness } from './field-sync-harness.js';

/** Waits until the wall clock has moved past `since`, so the next change is strictly later. */
const clockPast = (since: number) => waitFor(async () => Date.now() > since + 2, 'the clock to move');

describe('WARP change times come from the whole outbox, not the rows a batch claimed', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
  });
  afterAll(() => h?.close());

  /** Marks an outbox row claimed just now by `workerId`, as a batch running elsewhere holds it. */
  const holdAs = (outboxId: string, workerId: string) =>
    h.database.db
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_by: workerId, claimed_at: new Date() })
      .where('id', '=', outboxId)
      .execute();

  /** Creates the customer, syncs it once and returns it with its company. */
  async function createSynced(name: string, city: string, email: string) {
    const service = createCustomerService({ db: h.database.db, log: h.log });
    const body: CreateCustomerInput = {
      company_name: name,
      customer_type: 'POSTPAID',
      contact: { name: 'Ada Ops', email, phone: '(415) 555-0100' },
      address: { line1: '1 Main St', city, state: 'NY', zip: '10001', country: 'US' },
    };
    const id = (JSON.parse((await service.create(ADMIN, body, body)).body) as { data: { id: string } }).data.id;
    await handleOutboxMessage(h.workerDeps(), await messageFor(h, id));
    const { hubspot_company_id: companyId } = await h.database.db
      .selectFrom('customers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    if (!companyId) throw new Error(`${name} was not linked to a company`);
    return { service, id, companyId };
  }

  it('a newer WARP edit held by another batch is not overwritten by an older HubSpot value', async () => {
    const { service, id, companyId } = await createSynced('Chaos Case', 'Start City', 'ops@example.com');

    // W341 (WARP), then H341 (HubSpot), then W342 (WARP): the newest change is W342.
    await service.update(ADMIN, id, { address: { city: 'W341 City' } });
    const first = await messageFor(h, id);
    await clockPast(Date.parse(first.changedAt));
    await h.sandbox.control.editAsUser(companyId, { city: 'H341 City' });
    await clockPast(Date.now());
    await service.update(ADMIN, id, { address: { city: 'W342 City' } });
    const second = await messageFor(h, id);
    // Another batch holds W342's row: this batch claims W341's row alone.
    await holdAs(second.outboxId, 'another-worker');

    const outcome = await handleOutboxMessage(h.workerDeps(), first);
    expect(outcome).toMatchObject({ kind: 'SYNCED', rows: 1, warpWrites: 0, hubspotWrites: 1 });
    const customer = await h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(customer.address.city).toBe('W342 City');
    expect((await h.sandbox.control.company(companyId)).properties.city).toBe('W342 City');
  });

  it("a write of ours that lands after a newer one is put back, not pulled, though HubSpot's change is the latest", async () => {
    const { service, id, companyId } = await createSynced('Late Write', 'W1 City', 'ops@late.example.com');
    await service.update(ADMIN, id, { address: { city: 'W2 City' } });
    await handleOutboxMessage(h.workerDeps(), await messageFor(h, id));
    expect((await h.sandbox.control.company(companyId)).properties.city).toBe('W2 City');

    // A worker that outlived its lease delivers its older push now: our app writes W1 again.
    await h.inspector.crm.companies.basicApi.update(companyId, { properties: { city: 'W1 City' } });
    await service.update(ADMIN, id, { company_name: 'Late Write Co' });
    const outcome = await handleOutboxMessage(h.workerDeps(), await messageFor(h, id));
    expect(outcome).toMatchObject({ kind: 'SYNCED', warpWrites: 0, hubspotWrites: 1 });
    const customer = await h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(customer.address.city).toBe('W2 City');
    expect((await h.sandbox.control.company(companyId)).properties.city).toBe('W2 City');
  });

  it('a row stranded PROCESSING here (its hand-back failed) is taken over by the redelivery, not left to the lease', async () => {
    const service = createCustomerService({ db: h.database.db, log: h.log });
    const body: CreateCustomerInput = {
      company_name: 'Stranded Claim',
      customer_type: 'PREPAID',
      contact: { name: 'Ops', email: 'ops@stranded.example.com', phone: '(415) 555-0101' },
      address: { line1: '2 Main St', city: 'Albany', state: 'NY', zip: '12207', country: 'US' },
    };
    const id = (JSON.parse((await service.create(ADMIN, body, body)).body) as { data: { id: string } }).data.id;
    const message = await messageFor(h, id);
    await holdAs(message.outboxId, 'worker-stranded');

    expect(await handleOutboxMessage(h.workerDeps({ workerId: 'worker-other' }), message)).toEqual({ kind: 'IN_PROGRESS_ELSEWHERE' });
    expect(await handleOutboxMessage(h.workerDeps({ workerId: 'worker-stranded' }), message)).toMatchObject({ kind: 'SYNCED', rows: 1 });
    const row = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('id', '=', message.outboxId)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('DONE');
  });
});
