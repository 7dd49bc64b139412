import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../../shared/db/database.js';
import { lockCustomersForSync } from '../../../shared/sync-store/customer-sync-lock.js';
import { handleOutboxMessage } from '../../../shared/outbound-sync/handle-outbox-message.js';
import type { CompanyGateway } from '../../../shared/outbound-sync/sync-claimed-rows.js';
import {
  ADMIN,
  createViaApi,
  customerRow,
  messageFor,
  startFieldSyncHarness,
  workerLogLines,
  type FieldSyncHarness,
} from './field-sync-harness.js';

/** The harness's gateway, with `beforeUpdate` run before every batch update reaches HubSpot. */
function gatewayWith(h: FieldSyncHarness, beforeUpdate: () => Promise<void>): CompanyGateway {
  const companies = h.hubspot.companies;
  return {
    batchReadCurrentValues: (...a) => companies.batchReadCurrentValues(...a),
    batchReadWithHistory: (...a) => companies.batchReadWithHistory(...a),
    batchUpsertByUniqueProperty: (...a) => companies.batchUpsertByUniqueProperty(...a),
    async batchUpdate(...a) {
      await beforeUpdate();
      return companies.batchUpdate(...a);
    },
  };
}

/** A gate the first batch update waits at: `reached` once it is there, `open()` lets it through. */
function gate() {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  let first = true;
  const wait = async () => {
    if (!first) return;
    first = false;
    arrive();
    await opened;
  };
  return { reached, open, wait };
}

describe('the outbound sync holds no customer lock while it talks to HubSpot', () => {
  let h: FieldSyncHarness;
  beforeAll(async () => {
    h = await startFieldSyncHarness();
  });
  afterAll(() => h?.close());

  const sync = async (customerId: string, companies?: CompanyGateway) =>
    handleOutboxMessage(h.workerDeps({ companies }), await messageFor(h, customerId));
  const companyName = async (customerId: string) =>
    (await h.sandbox.control.company((await customerRow(h, customerId)).hubspot_company_id!)).properties.name;

  it('while a batch waits on HubSpot the sync lock is free, and a WARP edit made meanwhile is what both sides end with', async () => {
    const c = await createViaApi(h, 'Unlocked Co');
    await sync(c.id);
    await h.customers.update(ADMIN, c.id, { company_name: 'Edit One' });
    const paused = gate();
    const batch = sync(c.id, gatewayWith(h, paused.wait));
    await paused.reached;

    // An inbound sync of this customer would take the lock now: it must not wait for HubSpot.
    await inTransaction(h.database.db, async (tx) => {
      await sql`SET LOCAL lock_timeout = '2s'`.execute(tx);
      await lockCustomersForSync(tx, [c.id]);
    });
    await h.customers.update(ADMIN, c.id, { company_name: 'Edit Two' });
    paused.open();
    expect(await batch).toMatchObject({ kind: 'SYNCED', failedCustomers: 0 });

    // The stale plan ("Edit One") was not settled: the batch planned again and put back the newer edit.
    expect(await companyName(c.id)).toBe('Edit Two');
    expect((await customerRow(h, c.id)).company_name).toBe('Edit Two');
    const pulls = await h.database.db
      .selectFrom('hubspot_sync_log')
      .select('fields')
      .where('customer_id', '=', c.id)
      .where('direction', '=', 'HUBSPOT_TO_WARP')
      .execute();
    expect(pulls).toEqual([]);
    const state = await h.database.db
      .selectFrom('hubspot_field_state')
      .selectAll()
      .where('customer_id', '=', c.id)
      .where('warp_field', '=', 'company_name')
      .executeTakeFirstOrThrow();
    expect(state.base_value).toBe('Edit Two');
    // The newer edit's own row finds both sides agreeing.
    expect(await sync(c.id)).toMatchObject({ kind: 'SYNCED', hubspotWrites: 0 });
  });

  it('a customer that changes during every round is handed back for a later batch, not settled from a stale plan', async () => {
    const c = await createViaApi(h, 'Restless Co');
    await sync(c.id);
    await h.customers.update(ADMIN, c.id, { company_name: 'Restless 0' });
    const first = await messageFor(h, c.id);
    let edits = 0;
    const restless = gatewayWith(h, async () => {
      await h.customers.update(ADMIN, c.id, { company_name: `Restless ${++edits}` });
    });
    expect(await handleOutboxMessage(h.workerDeps({ companies: restless }), first)).toMatchObject({ kind: 'SYNCED' });
    expect(edits).toBe(3);
    const row = await h.database.db.selectFrom('hubspot_sync_queue').selectAll().where('id', '=', first.outboxId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'PENDING', published_at: null, claimed_by: null });
    const logged = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('outbox_id', '=', first.outboxId)
      .where('error_code', '=', 'CUSTOMER_CHANGED')
      .execute();
    expect(logged).toMatchObject([{ status: 'RETRYING' }]);

    // Once it holds still, the newest value wins.
    await sync(c.id);
    expect(await companyName(c.id)).toBe('Restless 3');
  });

  it('a company linked to another customer is never written for this one: NEEDS_ATTENTION, an ERROR with both ids', async () => {
    const holder = await createViaApi(h, 'Holder Co');
    await sync(holder.id);
    const companyId = (await customerRow(h, holder.id)).hubspot_company_id!;
    const claimant = await createViaApi(h, 'Claimant Co');
    // Someone re-stamps the holder's company with the claimant's BAN in HubSpot.
    await h.sandbox.control.editAsUser(companyId, { warp_ban: claimant.ban });

    expect(await sync(claimant.id)).toMatchObject({ kind: 'SYNCED', failedCustomers: 1 });
    expect(await customerRow(h, claimant.id)).toMatchObject({ hubspot_company_id: null, hubspot_link_status: 'NEEDS_ATTENTION' });
    expect((await h.sandbox.control.company(companyId)).properties.name).toBe('Holder Co');
    const row = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', claimant.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('FAILED');
    const entry = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('customer_id', '=', claimant.id)
      .where('error_code', '=', 'LINK_CONFLICT')
      .executeTakeFirstOrThrow();
    expect(entry.error_message).toContain(holder.id);
    const alert = workerLogLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.customerId === claimant.id && l.severity === 'ERROR');
    expect(alert).toMatchObject({ companyId, linkedCustomerId: holder.id });
  });
});
