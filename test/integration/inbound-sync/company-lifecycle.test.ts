import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { processWebhookEvent, type InboundDeps } from '../../../shared/inbound-sync/process-webhook-event.js';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import {
  ADMIN,
  createLinkedCustomer,
  customerRow,
  eventsOf,
  newCustomer,
  printRecentLog,
  settle,
  startInboundStack,
  waitFor,
  type InboundStack,
} from './inbound-stack.js';

let database: TestDatabase;
let stack: InboundStack;
let processorDeps: InboundDeps;

beforeAll(async () => {
  database = await createTestDatabase();
  stack = await startInboundStack({
    db: database.db,
    emulatorHost: inject('pubsubEmulatorHost'),
    decorateDeps: (deps) => (processorDeps = deps),
  });
});

afterAll(async () => {
  await stack?.close();
  await database?.destroy();
});

afterEach(async (ctx) => {
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
    expect(stack.logLines.some((l) => l.includes('"severity":"WARNING"') && l.includes('was deleted: needs attention') && l.includes(id))).toBe(true);

    await stack.sandbox.control.restoreAsUser(companyId);
    await waitFor(async () => (await customerRow(stack, id)).hubspot_link_status === 'LINKED', 'link restored');
    await settle(stack);
    const resync = await database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', id).where('operation', '=', 'RESYNC').execute();
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
    const lifecycle = (await eventsOf(stack, companyId)).filter((e) => e.subscription_type !== 'company.propertyChange' && e.subscription_type !== 'company.creation');
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
    await waitFor(async () => (await stack.sandbox.control.company(primary!)).properties.warp_contact_email === 'after-merge@example.com', 'sync after merge');
  });
});

describe('company creation', () => {
  it('a company created in HubSpot with the BAN of an unlinked customer is linked, after a HubSpot read that failed once (Pub/Sub retry)', async () => {
    const created = JSON.parse((await stack.unsyncedCustomers.create(ADMIN, newCustomer('Created In HubSpot'), {})).body) as { data: { id: string; ban: string } };
    await stack.sandbox.control.addFault({ kind: 'status', status: 503, count: 1, ...COMPANY_READ });
    const company = await stack.sandbox.control.createAsUser({ name: 'Created In HubSpot', warp_ban: created.data.ban });
    await waitFor(async () => (await customerRow(stack, created.data.id)).hubspot_company_id === company.id, 'link by BAN', 20_000);
    await settle(stack);

    expect(await customerRow(stack, created.data.id)).toMatchObject({ hubspot_link_status: 'LINKED' });
    const creation = (await eventsOf(stack, company.id)).find((e) => e.subscription_type === 'company.creation');
    expect(creation).toMatchObject({ status: 'PROCESSED', processing_attempts: 2, processing_error: null });
    expect((await syncLog(created.data.id)).map((l) => [l.operation, l.status])).toContainEqual(['LINK_COMPANY', 'SUCCESS']);
    // Synced as a first sync: the customer's values filled the company.
    await waitFor(async () => (await stack.sandbox.control.company(company.id)).properties.warp_contact_email !== undefined, 'first sync');
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
    const message = webhookEventMessageSchema.parse({ kind: 'hubspot.webhook-event', version: 1, webhookEventId: event.id, dedupeKey: event.dedupe_key, event: event.payload });

    const results = await Promise.all([processWebhookEvent(processorDeps, message), processWebhookEvent(processorDeps, message)]);
    expect(results).toEqual([{ kind: 'ALREADY_DONE' }, { kind: 'ALREADY_DONE' }]);
    expect(await customerRow(stack, id)).toEqual(before.customer);
    expect((await syncLog(id)).length).toBe(before.log);
    expect((await eventsOf(stack, companyId)).find((e) => e.id === event.id)).toMatchObject({ status: 'PROCESSED', processing_attempts: 1 });
  });
});
