import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { createCustomerService } from '../../../shared/customers/service.js';
import { handleOutboxMessage } from '../../../shared/field-sync/handle-outbox-message.js';
import { ADMIN, messageFor, startFieldSyncHarness, waitFor, type FieldSyncHarness } from './field-sync-harness.js';

/** Waits until the wall clock has moved past `since`, so the next change is strictly later. */
const clockPast = (since: number) => waitFor(async () => Date.now() > since + 2, 'the clock to move');

describe('WARP change times come from the whole outbox, not the rows a batch claimed', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
  });
  afterAll(() => h?.close());

  it('a newer WARP edit held by another batch is not overwritten by an older HubSpot value', async () => {
    const service = createCustomerService({ db: h.database.db, log: h.log });
    const body: CreateCustomerInput = {
      company_name: 'Chaos Case',
      customer_type: 'POSTPAID',
      status: 'ACTIVE',
      billing_cycle: 'MONTHLY',
      contact: { name: 'Ada Ops', email: 'ops@example.com', phone: '(415) 555-0100' },
      address: { line1: '1 Main St', city: 'Start City', state: 'NY', zip: '10001', country: 'US' },
    };
    const created = await service.create(ADMIN, body, body);
    const id = (JSON.parse(created.body) as { data: { id: string } }).data.id;
    await handleOutboxMessage(h.workerDeps(), await messageFor(h, id));
    const { hubspot_company_id: companyId } = await h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(companyId).toBeTruthy();

    // W341 (WARP), then H341 (HubSpot), then W342 (WARP): the newest change is W342.
    await service.update(ADMIN, id, { address: { city: 'W341 City' } });
    const first = await messageFor(h, id);
    await clockPast(Date.parse(first.changedAt));
    await h.sandbox.control.editAsUser(companyId!, { city: 'H341 City' });
    await clockPast(Date.now());
    await service.update(ADMIN, id, { address: { city: 'W342 City' } });
    const second = await messageFor(h, id);
    // Another batch holds W342's row: this batch claims W341's row alone.
    await h.database.db
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_by: 'another-worker', claimed_at: new Date() })
      .where('id', '=', second.outboxId)
      .execute();

    const outcome = await handleOutboxMessage(h.workerDeps(), first);
    expect(outcome).toMatchObject({ kind: 'SYNCED', rows: 1, warpWrites: 0, hubspotWrites: 1 });
    const customer = await h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(customer.address.city).toBe('W342 City');
    expect((await h.sandbox.control.company(companyId!)).properties.city).toBe('W342 City');
  });

  it('a row stranded PROCESSING under this worker (its hand-back failed) is taken over by the redelivery, not left to the lease', async () => {
    const service = createCustomerService({ db: h.database.db, log: h.log });
    const body: CreateCustomerInput = {
      company_name: 'Stranded Claim',
      customer_type: 'PREPAID',
      contact: { name: 'Ops', email: 'ops@stranded.example.com', phone: '(415) 555-0101' },
      address: { line1: '2 Main St', city: 'Albany', state: 'NY', zip: '12207', country: 'US' },
    };
    const id = (JSON.parse((await service.create(ADMIN, body, body)).body) as { data: { id: string } }).data.id;
    const message = await messageFor(h, id);
    await h.database.db
      .updateTable('hubspot_sync_queue')
      .set({ status: 'PROCESSING', claimed_by: 'worker-stranded', claimed_at: new Date() })
      .where('id', '=', message.outboxId)
      .execute();

    expect(await handleOutboxMessage(h.workerDeps({ workerId: 'worker-other' }), message)).toEqual({ kind: 'IN_PROGRESS_ELSEWHERE' });
    expect(await handleOutboxMessage(h.workerDeps({ workerId: 'worker-stranded' }), message)).toMatchObject({ kind: 'SYNCED', rows: 1 });
    const row = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', message.outboxId).executeTakeFirstOrThrow();
    expect(row.status).toBe('DONE');
  });
});
