import { Client } from '@hubspot/api-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { lockCustomersForSync } from '../../../shared/sync-store/customer-sync-lock.js';
import { processWebhookEvent, type InboundDeps } from '../../../shared/inbound-sync/process-webhook-event.js';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import {
  ADMIN,
  createLinkedCustomer,
  customerRow,
  eventsOf,
  fieldState,
  MAX_ATTEMPTS,
  newCustomer,
  printRecentLog,
  publishPendingOutbox,
  settle,
  startInboundStack,
  waitFor,
  type InboundStack,
} from './inbound-stack.js';

let database: TestDatabase;
let stack: InboundStack;
let processorDeps: InboundDeps;
/** Runs before each HubSpot read of the processor: a test's hook into the moment between attempts. */
let beforeCompanyRead: (companyId: string) => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  database = await createTestDatabase();
  stack = await startInboundStack({
    db: database.db,
    emulatorHost: inject('pubsubEmulatorHost'),
    decorateDeps: (deps) =>
      (processorDeps = {
        ...deps,
        companies: {
          getCompany: async (id, properties, options) => {
            await beforeCompanyRead(id);
            return deps.companies.getCompany(id, properties, options);
          },
        },
      }),
  });
});

afterAll(async () => {
  await stack?.close();
  await database?.destroy();
});

afterEach(async (ctx) => {
  beforeCompanyRead = () => Promise.resolve();
  await stack.sandbox.control.clearFaults();
  if (ctx.task.result?.state === 'fail') printRecentLog(stack);
});

const COMPANY_READ = { method: 'GET', pathPrefix: '/crm/v3/objects/companies/' } as const;

function syncLog(customerId: string) {
  return database.db.selectFrom('hubspot_sync_log').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
}

describe('company deletion and restore', () => {
  it('deletion keeps the customer, marks the link deleted and asks for attention; restore relinks and re-syncs', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Deleted Co');
    await stack.sandbox.control.archiveAsUser(companyId);
    await waitFor(async () => (await customerRow(stack, id)).hubspot_link_status === 'DELETED', 'link marked deleted');
    await settle(stack);

    const deleted = await customerRow(stack, id);
    expect(deleted).toMatchObject({ hubspot_company_id: companyId, company_name: 'Deleted Co', updated_by: 'hubspot-sync' });
    const unlink = (await syncLog(id)).filter((l) => l.operation === 'UNLINK');
    expect(unlink.map((l) => [l.status, l.error_code])).toEqual([['FAILED', 'COMPANY_DELETED']]);
    expect(
      stack.logLines.some((l) => l.includes('"severity":"WARNING"') && l.includes('was deleted: needs attention') && l.includes(id)),
    ).toBe(true);

    await stack.sandbox.control.restoreAsUser(companyId);
    await waitFor(async () => (await customerRow(stack, id)).hubspot_link_status === 'LINKED', 'link restored');
    await settle(stack);
    const resync = await database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', id)
      .where('operation', '=', 'RESYNC')
      .execute();
    expect(resync.map((r) => [r.origin, r.status, r.changed_fields])).toEqual([['HUBSPOT', 'DONE', []]]);
    expect((await syncLog(id)).map((l) => l.operation)).toContain('RELINK');
    // Linked and synced again: a WARP change reaches the restored company.
    await stack.customers.update(ADMIN, id, { company_name: 'Restored Co' });
    await waitFor(async () => (await stack.sandbox.control.company(companyId)).properties.name === 'Restored Co', 'sync after restore');
  });

  it('a deletion delivered after a later restore is stale and leaves the link alone', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Flapping Co');
    // The deletion's first delivery fails; the restore overtakes its retry.
    stack.intakeFailures.remaining = 1;
    await stack.sandbox.control.archiveAsUser(companyId);
    await waitFor(async () => (await stack.sandbox.control.webhooks()).attempts.some((a) => a.outcome === 'failed'), 'a failed delivery');
    await stack.sandbox.control.restoreAsUser(companyId);
    await settle(stack);
    expect((await customerRow(stack, id)).hubspot_link_status).toBe('LINKED');
    const lifecycle = (await eventsOf(stack, companyId)).filter(
      (e) => e.subscription_type !== 'company.propertyChange' && e.subscription_type !== 'company.creation',
    );
    expect(lifecycle.map((e) => [e.subscription_type, e.status])).toEqual([
      ['company.deletion', 'IGNORED'],
      ['company.restore', 'PROCESSED'],
    ]);
    expect(lifecycle[0]!.ignore_reason).toMatch(/^STALE_EVENT/);
  });
});

describe('company merge', () => {
  it('a customer linked to a merged-away company is relinked to the primary and re-synced', async () => {
    const { id, ban, companyId: mergedAway } = await createLinkedCustomer(stack, 'Merged Away Co');
    const [primary] = await stack.sandbox.control.seed([{ name: 'Primary Co', city: 'Shelbyville' }]);
    await stack.sandbox.control.mergeAsUser(primary!, mergedAway);
    await waitFor(async () => (await customerRow(stack, id)).hubspot_company_id === primary, 'relink to the primary');
    await settle(stack);

    expect(await customerRow(stack, id)).toMatchObject({ hubspot_company_id: primary, hubspot_link_status: 'LINKED' });
    const relink = (await syncLog(id)).find((l) => l.operation === 'RELINK');
    expect(relink?.fields).toEqual({ hubspot_company_id: { hubspotProperty: 'hs_object_id', old: mergedAway, new: primary } });
    // The re-sync ran as a first sync against the primary: it carries the customer's BAN, and bases exist again.
    expect((await stack.sandbox.control.company(primary!)).properties.warp_ban).toBe(ban);
    const states = await database.db.selectFrom('hubspot_field_state').select('warp_field').where('customer_id', '=', id).execute();
    expect(states.map((s) => s.warp_field)).toContain('ban');
    await stack.customers.update(ADMIN, id, { contact: { email: 'after-merge@example.com' } });
    await waitFor(
      async () => (await stack.sandbox.control.company(primary!)).properties.warp_contact_email === 'after-merge@example.com',
      'sync after merge',
    );
  });

  it('a merge of two linked companies flags the loser NEEDS_ATTENTION with both ids, at ERROR; the sync leaves it alone', async () => {
    const keeper = await createLinkedCustomer(stack, 'Merge Keeper Co');
    const loser = await createLinkedCustomer(stack, 'Merge Loser Co');
    await stack.sandbox.control.mergeAsUser(keeper.companyId, loser.companyId);
    await waitFor(async () => (await customerRow(stack, loser.id)).hubspot_link_status === 'NEEDS_ATTENTION', 'the loser flagged');
    await settle(stack);

    expect(await customerRow(stack, loser.id)).toMatchObject({ hubspot_company_id: loser.companyId });
    expect(await customerRow(stack, keeper.id)).toMatchObject({ hubspot_company_id: keeper.companyId, hubspot_link_status: 'LINKED' });
    const unlink = (await syncLog(loser.id)).find((l) => l.operation === 'UNLINK');
    expect(unlink).toMatchObject({ status: 'FAILED', error_code: 'MERGED_INTO_LINKED_COMPANY' });
    const alert = stack.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.customerId === loser.id && l.severity === 'ERROR');
    expect(alert).toMatchObject({ primaryCustomerId: keeper.id, companyId: keeper.companyId, mergedCompanyId: loser.companyId });

    // A later edit is not synced anywhere: the sync waits for a person.
    await stack.customers.update(ADMIN, loser.id, { contact: { email: 'loser-after-merge@example.com' } });
    await waitFor(async () => (await syncLog(loser.id)).some((l) => l.error_code === 'LINK_NEEDS_ATTENTION'), 'the skipped sync');
    expect((await stack.sandbox.control.company(keeper.companyId)).properties.warp_ban).toBe(keeper.ban);
  });
});

describe('company creation', () => {
  it('a company created with the BAN of an unlinked customer is linked after a HubSpot read failed once (Pub/Sub retry)', async () => {
    const created = JSON.parse((await stack.unsyncedCustomers.create(ADMIN, newCustomer('Created In HubSpot'), {})).body) as {
      data: { id: string; ban: string };
    };
    await stack.sandbox.control.addFault({ kind: 'status', status: 503, count: 1, ...COMPANY_READ });
    const company = await stack.sandbox.control.createAsUser({ name: 'Created In HubSpot', warp_ban: created.data.ban });
    await waitFor(async () => (await customerRow(stack, created.data.id)).hubspot_company_id === company.id, 'link by BAN', 20_000);
    await settle(stack);

    expect(await customerRow(stack, created.data.id)).toMatchObject({ hubspot_link_status: 'LINKED' });
    const events = await eventsOf(stack, company.id);
    const creation = events.find((e) => e.subscription_type === 'company.creation');
    expect(creation).toMatchObject({ status: 'PROCESSED', processing_error: null });
    expect(events.every((e) => e.status === 'PROCESSED' || e.status === 'IGNORED')).toBe(true);
    // The failed read went back to Pub/Sub once, and the redelivery succeeded. The company's own
    // property changes read it too (they may be handled alongside the creation), so the failure
    // may have met any of its events; those that found the link pending were retried as well.
    const readFailures = stack.logLines.filter(
      (l) =>
        l.includes('Pub/Sub will redeliver it') &&
        !l.includes('CompanyLinkPendingError') &&
        events.some((e) => l.includes(`"webhookEventId":"${e.id}"`)),
    );
    expect(readFailures).toHaveLength(1);
    expect((await syncLog(created.data.id)).map((l) => [l.operation, l.status])).toContainEqual(['LINK_COMPANY', 'SUCCESS']);
    // Synced as a first sync: the customer's values filled the company.
    await waitFor(async () => (await stack.sandbox.control.company(company.id)).properties.warp_contact_email !== undefined, 'first sync');
  });

  it('a customer whose company was deleted is linked to a new company with its BAN, re-synced as a first sync', async () => {
    const { id, ban, companyId: deletedCompany } = await createLinkedCustomer(stack, 'Reborn Co');
    await stack.sandbox.control.archiveAsUser(deletedCompany);
    await waitFor(async () => (await customerRow(stack, id)).hubspot_link_status === 'DELETED', 'link marked deleted');
    await settle(stack);
    const email = ((await customerRow(stack, id)).contact as { email: string }).email;

    const company = await stack.sandbox.control.createAsUser({ name: 'Reborn Company', warp_ban: ban });
    await waitFor(async () => (await customerRow(stack, id)).hubspot_company_id === company.id, 'relink by BAN');
    await settle(stack);

    expect(await customerRow(stack, id)).toMatchObject({ hubspot_link_status: 'LINKED', contact: expect.objectContaining({ email }) });
    const creation = (await eventsOf(stack, company.id)).find((e) => e.subscription_type === 'company.creation');
    expect(creation).toMatchObject({ status: 'PROCESSED', ignore_reason: null });
    const relink = (await syncLog(id)).filter((l) => l.webhook_event_id === creation!.id);
    expect(relink.map((l) => [l.operation, l.status, l.fields])).toEqual([
      ['RELINK', 'SUCCESS', { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: deletedCompany, new: company.id } }],
    ]);
    const resync = await database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', id)
      .where('operation', '=', 'RESYNC')
      .execute();
    expect(resync.map((r) => [r.origin, r.status, r.changed_fields])).toEqual([['HUBSPOT', 'DONE', []]]);
    // A first sync: WARP's values filled the new company's empty properties. With the bases agreed
    // with the deleted company kept, its empty email would have read as a HubSpot change.
    expect((await stack.sandbox.control.company(company.id)).properties).toMatchObject({
      warp_contact_email: email,
      warp_status: 'ACTIVE',
      city: 'Springfield',
    });
    expect(await fieldState(stack, id, 'contact.email')).toMatchObject({ base_value: email, conflict_status: 'NONE' });
    await stack.customers.update(ADMIN, id, { contact: { email: 'reborn@example.com' } });
    await waitFor(
      async () => (await stack.sandbox.control.company(company.id)).properties.warp_contact_email === 'reborn@example.com',
      'sync after relink',
    );
  });
});

describe("a person's change while the first sync is linking the company", () => {
  /** What the outbound worker's first sync does first: the company, created by our app with the customer's BAN. */
  async function companyCreatedByOurSync(name: string) {
    const created = JSON.parse((await stack.unsyncedCustomers.create(ADMIN, newCustomer(name), {})).body) as {
      data: { id: string; ban: string };
    };
    const app = new Client({ accessToken: stack.sandbox.token, basePath: stack.sandbox.url });
    const company = await app.crm.companies.basicApi.create({ properties: { warp_ban: created.data.ban }, associations: [] });
    return { id: created.data.id, companyId: company.id };
  }

  function personsEdit(companyId: string) {
    return waitFor(
      async () => (await eventsOf(stack, companyId)).find((e) => e.property_name === 'warp_credit_limit' && e.change_source === 'CRM_UI'),
      "the edit's event",
    );
  }

  it('is retried until the link has committed, then applied', async () => {
    const { id, companyId } = await companyCreatedByOurSync('Linking Co');
    // The first sync's transaction links the customer and is still open (as in linkNewCompanies).
    let commitLink!: () => void;
    const linked = database.db.transaction().execute(async (tx) => {
      await lockCustomersForSync(tx, [id]);
      await tx
        .updateTable('customers')
        .set({ hubspot_company_id: companyId, hubspot_link_status: 'LINKED' })
        .where('id', '=', id)
        .execute();
      await new Promise<void>((resolve) => (commitLink = resolve));
    });
    // It commits between the first attempt and the redelivery (each attempt reads the company first).
    let reads = 0;
    beforeCompanyRead = async (readId) => {
      if (readId !== companyId || (reads += 1) !== 2) return;
      commitLink();
      await linked;
    };

    await stack.sandbox.control.editAsUser(companyId, { warp_credit_limit: '7777' });
    await waitFor(async () => (await customerRow(stack, id)).credit_limit === '7777.00', 'the edit to reach WARP');
    const event = await personsEdit(companyId);
    expect(event).toMatchObject({ status: 'PROCESSED', processing_attempts: 2, processing_error: null });
    expect(reads).toBe(2);
    const retried = stack.logLines.filter((l) => l.includes(`"webhookEventId":"${event.id}"`) && l.includes('Pub/Sub will redeliver it'));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toContain('CompanyLinkPendingError');
    // Our own writes' events needed no read: ignored as before.
    const own = (await eventsOf(stack, companyId)).filter(
      (e) => e.change_source === 'INTEGRATION' || e.subscription_type === 'company.creation',
    );
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => e.status === 'IGNORED' && e.processing_attempts === 1)).toBe(true);

    await publishPendingOutbox(stack);
    await settle(stack);
  });

  it("is ignored like any unknown company's change when the attempts run out without a link", async () => {
    const { id, companyId } = await companyCreatedByOurSync('Never Linked Co');
    await stack.sandbox.control.editAsUser(companyId, { warp_credit_limit: '8888' });
    const event = await waitFor(async () => {
      const row = await personsEdit(companyId);
      return row.status === 'IGNORED' && row;
    }, 'the change to be ignored');
    expect(event).toMatchObject({ processing_attempts: MAX_ATTEMPTS, processing_error: null });
    expect(event.ignore_reason).toMatch(
      new RegExp(`^UNKNOWN_COMPANY: company ${companyId} carries the BAN of customer ${id}, which is still not linked`),
    );
    expect((await customerRow(stack, id)).credit_limit).toBe('1000.00');

    await publishPendingOutbox(stack);
    await settle(stack);
  });

  it('a change of a company carrying a BAN no customer has is ignored at once', async () => {
    const company = await stack.sandbox.control.createAsUser({ name: 'Foreign BAN Inc', warp_ban: 'ZZ-999999999' });
    await stack.sandbox.control.editAsUser(company.id, { warp_credit_limit: '5' });
    await settle(stack);
    const edit = await personsEdit(company.id);
    expect(edit).toMatchObject({
      status: 'IGNORED',
      processing_attempts: 1,
      ignore_reason: `UNKNOWN_COMPANY: no customer is linked to company ${company.id}`,
    });
  });
});

describe('redelivery', () => {
  it('a message whose event is already handled is acked without doing anything', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Redelivered Co');
    await stack.sandbox.control.editAsUser(companyId, { warp_payment_terms: '45' });
    await waitFor(async () => (await customerRow(stack, id)).payment_terms === 45, 'payment terms');
    await settle(stack);
    const event = (await eventsOf(stack, companyId)).find((e) => e.property_name === 'warp_payment_terms' && e.change_source === 'CRM_UI')!;
    const before = { customer: await customerRow(stack, id), log: (await syncLog(id)).length };
    const message = webhookEventMessageSchema.parse({
      kind: 'hubspot.webhook-event',
      version: 1,
      webhookEventId: event.id,
      dedupeKey: event.dedupe_key,
      event: event.payload,
    });

    const results = await Promise.all([processWebhookEvent(processorDeps, message), processWebhookEvent(processorDeps, message)]);
    expect(results).toEqual([{ kind: 'ALREADY_DONE' }, { kind: 'ALREADY_DONE' }]);
    expect(await customerRow(stack, id)).toEqual(before.customer);
    expect((await syncLog(id)).length).toBe(before.log);
    expect((await eventsOf(stack, companyId)).find((e) => e.id === event.id)).toMatchObject({
      status: 'PROCESSED',
      processing_attempts: 1,
    });
  });
});
