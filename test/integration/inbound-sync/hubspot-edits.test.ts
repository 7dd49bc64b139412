import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { clockPast } from '../../support/wait-for.js';
import {
  ADMIN,
  createLinkedCustomer,
  customerRow,
  eventsOf,
  fieldState,
  printRecentLog,
  publishPendingOutbox,
  settle,
  startInboundStack,
  waitFor,
  type InboundStack,
} from './inbound-stack.js';

let database: TestDatabase;
let stack: InboundStack;

beforeAll(async () => {
  database = await createTestDatabase();
  stack = await startInboundStack({ db: database.db, emulatorHost: inject('pubsubEmulatorHost'), webhookRetryMs: [800] });
});

afterAll(async () => {
  await stack?.close();
  await database?.destroy();
});

afterEach(async (ctx) => {
  await stack.sandbox.control.clearFaults();
  stack.intakeFailures.remaining = 0;
  stack.intakeFailures.only = undefined;
  if (ctx.task.result?.state === 'fail') printRecentLog(stack);
});

describe('a person editing in HubSpot', () => {
  it('an edit buried by a write of ours, whose webhook then arrives stale, is restored on both sides', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Buried Co');
    const person = 'Buried Co by Sales';
    const attemptsBefore = (await stack.sandbox.control.webhooks()).attempts.length;
    stack.intakeFailures.only = (event) => event.objectId === Number(companyId) && event.propertyValue === person;
    stack.intakeFailures.remaining = 1_000;
    const edited = await stack.sandbox.control.editAsUser(companyId, { name: person });
    const editedAt = new Date(edited.propertiesWithHistory.name![0]!.timestamp);
    await waitFor(
      async () => (await stack.sandbox.control.webhooks()).attempts.slice(attemptsBefore).some((a) => a.outcome === 'failed'),
      "the person's held delivery",
    );

    await stack.customers.update(ADMIN, id, { company_name: 'Buried Co by WARP' });
    await waitFor(
      async () => (await stack.sandbox.control.company(companyId)).properties.name === 'Buried Co by WARP',
      "WARP's push over the person's edit",
    );
    // The worker stores its field state after the HubSpot write: a rewrite before that is lost.
    const openRows = stack.db
      .selectFrom('hubspot_sync_queue')
      .select('id')
      .where('customer_id', '=', id)
      .where('status', 'in', ['PENDING', 'PROCESSING']);
    await waitFor(async () => (await openRows.execute()).length === 0, "WARP's push to be settled");
    // What a push planned before the person's edit and landing after it leaves behind: WARP's
    // change is older than the edit now buried under our write.
    const warpEditAt = new Date(editedAt.getTime() - 1_000);
    await stack.db
      .updateTable('hubspot_field_state')
      .set({ warp_changed_at: warpEditAt })
      .where('customer_id', '=', id)
      .where('warp_field', '=', 'company_name')
      .execute();
    await stack.db
      .updateTable('hubspot_sync_queue')
      .set({ changed_at: warpEditAt })
      .where('customer_id', '=', id)
      .where('operation', '=', 'UPDATE')
      .execute();
    stack.intakeFailures.remaining = 0;
    await waitFor(async () => (await customerRow(stack, id)).company_name === person, 'the buried edit to reach WARP');
    await settle(stack);

    expect((await stack.sandbox.control.company(companyId)).properties.name).toBe(person);
    expect(await fieldState(stack, id, 'company_name')).toMatchObject({ base_value: person, conflict_status: 'NONE' });
    const event = (await eventsOf(stack, companyId)).find((e) => e.property_value === person);
    expect(event).toMatchObject({ status: 'IGNORED', ignore_reason: expect.stringMatching(/^STALE_EVENT/) });
    const restored = await database.db
      .selectFrom('hubspot_sync_log')
      .select(['operation', 'fields'])
      .where('customer_id', '=', id)
      .where('operation', 'in', ['PULL', 'PUSH'])
      .orderBy('id')
      .execute();
    expect(restored.slice(-2)).toEqual([
      { operation: 'PUSH', fields: { company_name: expect.objectContaining({ new: person, reason: 'HUBSPOT_EDIT_RESTORED' }) } },
      { operation: 'PULL', fields: { company_name: expect.objectContaining({ new: person, reason: 'HUBSPOT_EDIT_RESTORED' }) } },
    ]);
  });

  it('a sales edit of warp_credit_limit reaches the WARP customer in one transaction, without bouncing back', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Credit Co');
    const before = await customerRow(stack, id);
    const callsBefore = (await stack.sandbox.control.requests()).counters.total;

    const edited = await stack.sandbox.control.editAsUser(companyId, { warp_credit_limit: '25000' });
    await waitFor(async () => (await customerRow(stack, id)).credit_limit === '25000.00', 'credit limit to reach WARP');
    await settle(stack);

    const after = await customerRow(stack, id);
    expect(after.version).toBe(before.version + 1);
    expect(after.updated_by).toBe('hubspot-sync');
    const editedAt = new Date(edited.propertiesWithHistory.warp_credit_limit![0]!.timestamp);
    const state = await fieldState(stack, id, 'credit_limit');
    expect(state).toMatchObject({ base_value: '25000.00', conflict_status: 'NONE' });
    expect(state?.hubspot_changed_at?.getTime()).toBe(editedAt.getTime());

    const event = (await eventsOf(stack, companyId)).find((e) => e.property_name === 'warp_credit_limit' && e.change_source === 'CRM_UI');
    expect(event).toMatchObject({ status: 'PROCESSED', processing_attempts: 1, ignore_reason: null });
    expect(event?.processed_at).not.toBeNull();
    const log = await database.db.selectFrom('hubspot_sync_log').selectAll().where('webhook_event_id', '=', event!.id).execute();
    expect(log.map((l) => [l.direction, l.operation, l.status])).toEqual([['HUBSPOT_TO_WARP', 'PULL', 'SUCCESS']]);
    expect(log[0]!.fields).toMatchObject({
      credit_limit: { hubspotProperty: 'warp_credit_limit', warp: '1000.00', hubspot: '25000.00', new: '25000.00' },
    });

    // The change history holds the pull, born done: it never becomes outbound work.
    const outbox = await database.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', id).orderBy('id').execute();
    expect(outbox.map((r) => [r.operation, r.origin, r.status])).toEqual([
      ['CREATE', 'WARP', 'DONE'],
      ['UPDATE', 'HUBSPOT', 'DONE'],
    ]);
    expect(outbox[1]).toMatchObject({ changed_fields: ['credit_limit'], new_values: { credit_limit: '25000.00' } });
    // The PULL's log row points at the outbox row recording the change.
    expect(log[0]!.outbox_id).toBe(outbox[1]!.id);
    expect((await stack.sandbox.control.requests()).counters.total).toBe(callsBefore);
  });

  it('the API still refuses WARP writes to the HubSpot-owned credit limit', async () => {
    const { id } = await createLinkedCustomer(stack, 'Owned Co');
    await expect(stack.customers.update(ADMIN, id, { credit_limit: '5.00' })).rejects.toMatchObject({ code: 'FIELD_OWNED_BY_HUBSPOT' });
  });

  it("a WARP-owned field changed in HubSpot is put back to WARP's value by the outbound worker", async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Balance Co');
    const before = await customerRow(stack, id);
    await stack.sandbox.control.editAsUser(companyId, { warp_current_balance: '999' });
    await waitFor(
      async () => (await stack.sandbox.control.company(companyId)).properties.warp_current_balance === '0.00',
      'balance put back',
    );
    await settle(stack);

    expect(await customerRow(stack, id)).toMatchObject({ current_balance: '0.00', version: before.version });
    const resync = await database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', id)
      .where('operation', '=', 'RESYNC')
      .execute();
    expect(resync.map((r) => [r.origin, r.status, r.changed_fields])).toEqual([['HUBSPOT', 'DONE', ['current_balance']]]);
    const event = (await eventsOf(stack, companyId)).find(
      (e) => e.property_name === 'warp_current_balance' && e.change_source === 'CRM_UI',
    );
    const log = await database.db.selectFrom('hubspot_sync_log').selectAll().where('webhook_event_id', '=', event!.id).execute();
    expect(log.map((l) => [l.operation, l.status, l.outbox_id])).toEqual([['RESYNC_REQUESTED', 'SUCCESS', resync[0]!.id]]);
  });

  it('our own write echoed back changes nothing and makes no HubSpot call', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Echo Co');
    // The company our sync created: its creation event is recognised as ours, without a HubSpot read.
    const creation = (await eventsOf(stack, companyId)).find((e) => e.subscription_type === 'company.creation');
    expect(creation).toMatchObject({ status: 'IGNORED', ignore_reason: expect.stringMatching(/^OWN_CREATION/) });

    await stack.sandbox.control.clearRequests();
    await stack.customers.update(ADMIN, id, { company_name: 'Echo Company' });
    await waitFor(
      async () => (await eventsOf(stack, companyId)).some((e) => e.property_name === 'name' && e.property_value === 'Echo Company'),
      'the echo',
    );
    await settle(stack);
    const afterPush = await customerRow(stack, id);

    const echo = (await eventsOf(stack, companyId)).find((e) => e.property_name === 'name' && e.property_value === 'Echo Company');
    expect(echo).toMatchObject({ status: 'PROCESSED', change_source: 'INTEGRATION' });
    const log = await database.db.selectFrom('hubspot_sync_log').selectAll().where('webhook_event_id', '=', echo!.id).execute();
    expect(log.map((l) => [l.operation, l.status, l.error_code])).toEqual([['ECHO', 'SKIPPED', 'OWN_WRITE']]);
    // Only the outbound push itself (one read with history, one batch update) reached HubSpot.
    const requests = (await stack.sandbox.control.requests()).requests.map((r) => `${r.method} ${r.path}`);
    expect(requests).toEqual(['POST /crm/v3/objects/companies/batch/read', 'POST /crm/v3/objects/companies/batch/update']);
    expect(afterPush.updated_by).toBe(ADMIN.userId);
    const outbox = await database.db
      .selectFrom('hubspot_sync_queue')
      .select(['origin', 'operation'])
      .where('customer_id', '=', id)
      .execute();
    expect(outbox.filter((r) => r.origin === 'HUBSPOT')).toEqual([]);
  });

  it('unknown companies and unmapped properties are recorded as IGNORED with the reason', async () => {
    const customersBefore = await database.db.selectFrom('customers').select('id').execute();
    const stranger = await stack.sandbox.control.createAsUser({ name: 'Stranger Inc' });
    await stack.sandbox.control.editAsUser(stranger.id, { name: 'Stranger Incorporated' });
    const { companyId } = await createLinkedCustomer(stack, 'Mapped Co');
    await stack.sandbox.control.editAsUser(companyId, { description: 'not a synced property' });
    await settle(stack);

    const strangerEvents = await eventsOf(stack, stranger.id);
    expect(strangerEvents.map((e) => [e.subscription_type, e.status, e.ignore_reason?.split(':')[0]])).toEqual([
      ['company.creation', 'IGNORED', 'UNLINKED_COMPANY'],
      ['company.propertyChange', 'IGNORED', 'UNKNOWN_COMPANY'],
      ['company.propertyChange', 'IGNORED', 'UNKNOWN_COMPANY'],
    ]);
    const description = (await eventsOf(stack, companyId)).find((e) => e.property_name === 'description');
    expect(description).toMatchObject({ status: 'IGNORED', ignore_reason: 'UNMAPPED_PROPERTY: description' });
    expect(description?.processed_at).not.toBeNull();
    // Nothing is ever turned into a customer.
    expect((await database.db.selectFrom('customers').select('id').execute()).length).toBe(customersBefore.length + 1);
  });
});

describe('conflicting edits', () => {
  it('LATEST_WINS: a HubSpot name edit newer than the WARP one wins', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Latest A');
    await stack.unsyncedCustomers.update(ADMIN, id, { company_name: 'Latest A (WARP)' });
    await clockPast((await customerRow(stack, id)).updated_at); // the HubSpot edit is strictly newer
    await stack.sandbox.control.editAsUser(companyId, { name: 'Latest A (HubSpot)' });
    await waitFor(async () => (await customerRow(stack, id)).company_name === 'Latest A (HubSpot)', 'the HubSpot name');
    await publishPendingOutbox(stack);
    await settle(stack);

    expect((await customerRow(stack, id)).company_name).toBe('Latest A (HubSpot)');
    expect((await stack.sandbox.control.company(companyId)).properties.name).toBe('Latest A (HubSpot)');
    expect(await fieldState(stack, id, 'company_name')).toMatchObject({ base_value: 'Latest A (HubSpot)' });
  });

  it("a change time stored for the property a field mapped to before is not the new property's: the edit is not stale", async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Repointed A');
    // As a batch planned before a re-point would leave it: the state names the old property.
    await stack.db
      .updateTable('hubspot_field_state')
      .set({ hubspot_property: 'warp_legal_name', hubspot_changed_at: new Date(Date.now() + 3_600_000) })
      .where('customer_id', '=', id)
      .where('warp_field', '=', 'company_name')
      .execute();
    await stack.sandbox.control.editAsUser(companyId, { name: 'Repointed A (HubSpot)' });
    await waitFor(async () => (await customerRow(stack, id)).company_name === 'Repointed A (HubSpot)', 'the HubSpot name');
    await publishPendingOutbox(stack);
    await settle(stack);
  });

  it('LATEST_WINS: a HubSpot name edit older than the WARP one (its delivery retried) loses', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Latest B');
    stack.intakeFailures.remaining = 1_000;
    await stack.sandbox.control.editAsUser(companyId, { name: 'Latest B (HubSpot)' });
    await waitFor(async () => (await stack.sandbox.control.webhooks()).attempts.some((a) => a.outcome === 'failed'), 'a failed delivery');
    await stack.unsyncedCustomers.update(ADMIN, id, { company_name: 'Latest B (WARP)' });
    stack.intakeFailures.remaining = 0;
    await waitFor(
      async () => (await stack.sandbox.control.company(companyId)).properties.name === 'Latest B (WARP)',
      'the WARP name in HubSpot',
    );
    await settle(stack);

    expect((await customerRow(stack, id)).company_name).toBe('Latest B (WARP)');
    const event = (await eventsOf(stack, companyId)).find((e) => e.property_value === 'Latest B (HubSpot)');
    expect(event).toMatchObject({ status: 'PROCESSED' });
    const log = await database.db.selectFrom('hubspot_sync_log').selectAll().where('webhook_event_id', '=', event!.id).execute();
    expect(log.map((l) => [l.operation, (l.fields as Record<string, { reason?: string }>).company_name?.reason])).toEqual([
      ['RESYNC_REQUESTED', 'LATEST_WINS'],
    ]);
    expect(await fieldState(stack, id, 'company_name')).toMatchObject({ base_value: 'Latest B (WARP)' });
  });

  it('a MANUAL field (per-customer override) opens a conflict and writes nothing', async () => {
    const { id, companyId } = await createLinkedCustomer(stack, 'Manual Co', { legal_name: 'Manual Legal' });
    await database.db
      .insertInto('hubspot_sync_config')
      .values({
        customer_id: id,
        warp_field: 'legal_name',
        hubspot_property: 'warp_legal_name',
        direction: 'BIDIRECTIONAL',
        conflict_rule: 'MANUAL',
        transform: { name: 'text' },
      })
      .execute();
    await stack.unsyncedCustomers.update(ADMIN, id, { legal_name: 'Manual Legal (WARP)' });
    const warpAt = (await customerRow(stack, id)).updated_at;
    const edited = await stack.sandbox.control.editAsUser(companyId, { warp_legal_name: 'Manual Legal (HubSpot)' });
    const state = await waitFor(async () => {
      const row = await fieldState(stack, id, 'legal_name');
      return row?.conflict_status === 'OPEN' && row;
    }, 'the conflict');
    expect(state).toMatchObject({
      base_value: 'Manual Legal',
      conflict_warp_value: 'Manual Legal (WARP)',
      conflict_hubspot_value: 'Manual Legal (HubSpot)',
    });
    expect(state.conflict_hubspot_at?.getTime()).toBe(new Date(edited.propertiesWithHistory.warp_legal_name![0]!.timestamp).getTime());
    expect(Math.abs(state.conflict_warp_at!.getTime() - warpAt.getTime())).toBeLessThan(1_000);
    // Neither side is written, now or when the WARP change is synced.
    await publishPendingOutbox(stack);
    await settle(stack);
    expect((await customerRow(stack, id)).legal_name).toBe('Manual Legal (WARP)');
    expect((await stack.sandbox.control.company(companyId)).properties.warp_legal_name).toBe('Manual Legal (HubSpot)');
    expect(await fieldState(stack, id, 'legal_name')).toMatchObject({ conflict_status: 'OPEN' });
  });
});

describe('unreliable delivery', () => {
  async function threeEdits(companyId: string) {
    for (const value of ['100', '200', '300']) {
      // Each edit gets a later timestamp than the one before.
      await clockPast((await stack.sandbox.control.editAsUser(companyId, { warp_credit_limit: value })).updatedAt);
    }
  }

  async function endState(id: string, companyId: string) {
    const state = await fieldState(stack, id, 'credit_limit');
    const history = (await stack.sandbox.control.company(companyId)).propertiesWithHistory.warp_credit_limit!;
    return {
      credit_limit: (await customerRow(stack, id)).credit_limit,
      base: state?.base_value,
      hubspotChangedAtIsLastEdit: state?.hubspot_changed_at?.getTime() === new Date(history[0]!.timestamp).getTime(),
      storedEdits: (await eventsOf(stack, companyId)).filter((e) => e.property_name === 'warp_credit_limit' && e.change_source === 'CRM_UI')
        .length,
    };
  }

  it('duplicated, reordered and retried deliveries end in the same state as clean delivery', async () => {
    const clean = await createLinkedCustomer(stack, 'Clean Delivery');
    await threeEdits(clean.companyId);
    await settle(stack);
    const cleanState = await endState(clean.id, clean.companyId);
    expect(cleanState).toEqual({ credit_limit: '300.00', base: '300.00', hubspotChangedAtIsLastEdit: true, storedEdits: 3 });

    const faulty = await createLinkedCustomer(stack, 'Faulty Delivery');
    const attemptsBefore = (await stack.sandbox.control.webhooks()).attempts.length;
    const newAttempts = async () => (await stack.sandbox.control.webhooks()).attempts.slice(attemptsBefore);
    // The first edit's delivery fails, and keeps failing until the newer edits (duplicated and
    // reordered) were applied: then its retry gets through. Its own failed delivery is awaited
    // (earlier tests left failed attempts in the log) before the faults go on, so the first edit
    // leaves alone and not in one batch with the others.
    stack.intakeFailures.only = (event) => event.objectId === Number(faulty.companyId) && event.propertyValue === '100';
    stack.intakeFailures.remaining = 1_000;
    const first = await stack.sandbox.control.editAsUser(faulty.companyId, { warp_credit_limit: '100' });
    await waitFor(async () => (await newAttempts()).some((a) => a.outcome === 'failed'), "the first edit's failed delivery");
    await stack.sandbox.control.addFault({ kind: 'duplicate', probability: 1 });
    await stack.sandbox.control.addFault({ kind: 'reorder', probability: 1 });
    let previous = first.updatedAt;
    for (const value of ['200', '300']) {
      await clockPast(previous); // each edit gets a later timestamp than the one before
      previous = (await stack.sandbox.control.editAsUser(faulty.companyId, { warp_credit_limit: value })).updatedAt;
    }
    await waitFor(async () => (await customerRow(stack, faulty.id)).credit_limit === '300.00', 'the newer edits to be applied');
    stack.intakeFailures.remaining = 0;
    await settle(stack);
    expect(await endState(faulty.id, faulty.companyId)).toEqual(cleanState);

    const attempts = await newAttempts();
    expect(attempts.some((a) => a.attemptNumber > 0 && a.outcome === 'delivered')).toBe(true);
    const delivered = attempts.filter((a) => a.outcome === 'delivered').map((a) => a.eventIds.join());
    expect(new Set(delivered).size, JSON.stringify(attempts)).toBeLessThan(delivered.length); // a duplicated delivery
    const edits = (await eventsOf(stack, faulty.companyId)).filter(
      (e) => e.property_name === 'warp_credit_limit' && e.change_source === 'CRM_UI',
    );
    // Each edit stored once; the oldest arrived after newer ones were applied and was stale.
    expect(edits.map((e) => e.property_value)).toEqual(['100', '200', '300']);
    expect(edits[0]).toMatchObject({ status: 'IGNORED', ignore_reason: expect.stringMatching(/^STALE_EVENT/) });
    expect(edits.every((e) => e.status === 'PROCESSED' || e.status === 'IGNORED')).toBe(true);
  });
});
