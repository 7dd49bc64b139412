import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateCustomerInput } from '../../../shared/customers/schemas.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { listOpenConflicts, resolveConflict } from '../../../shared/sync-admin/conflict-resolution.js';
import { setCustomerOverride } from '../../../shared/sync-admin/mapping-admin.js';
import type { ResyncPublishing } from '../../../shared/sync-admin/operator-resync.js';
import { ADMIN, outboxSettled, startFieldSyncHarness, waitFor, type FieldSyncHarness } from '../outbound-sync/field-sync-harness.js';

const legalNameMapping = DEFAULT_FIELD_MAPPINGS.find((m) => m.warpField === 'legal_name')!;

describe('resolving a MANUAL conflict (sandbox + emulator + worker)', () => {
  let h: FieldSyncHarness;
  let publishing: ResyncPublishing;

  beforeAll(async () => {
    h = await startFieldSyncHarness();
    publishing = { publisher: h.publisher, topic: h.names.outboxTopic };
    await h.startWorker();
  });
  afterAll(() => h?.close());

  const customerRow = (id: string) => h.database.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const fieldState = (id: string) =>
    h.database.db
      .selectFrom('hubspot_field_state')
      .selectAll()
      .where('customer_id', '=', id)
      .where('warp_field', '=', 'legal_name')
      .executeTakeFirstOrThrow();

  /** A linked customer whose legal_name is MANUAL, then edited differently on both sides. */
  async function customerInConflict(name: string) {
    const input: CreateCustomerInput = {
      company_name: name,
      legal_name: `${name} LLC`,
      customer_type: 'POSTPAID',
      contact: { name: 'Ops', email: 'ops@example.com', phone: '+1 415 555 0100' },
      address: { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
    };
    const { id } = (JSON.parse((await h.customers.create(ADMIN, input, {})).body) as { data: { id: string } }).data;
    const { hubspot_company_id: companyId } = await waitFor(
      async () => {
        const row = await customerRow(id);
        return row.hubspot_link_status === 'LINKED' && row;
      },
      'link',
      20_000,
    );
    await outboxSettled(h);

    const saved = await setCustomerOverride(h.database.db, id, { ...legalNameMapping, conflictRule: 'MANUAL' }, 'ops@test', { publishing });
    expect(saved.resync).toMatchObject({ published: true });
    await outboxSettled(h);

    await h.sandbox.control.editAsUser(companyId!, { warp_legal_name: `${name} Inc (HubSpot)` });
    await h.customers.update(ADMIN, id, { legal_name: `${name} Corp (WARP)` });
    await outboxSettled(h);
    const [conflict] = await waitFor(
      async () => {
        const open = await listOpenConflicts(h.database.db, id);
        return open.length > 0 && open;
      },
      'the conflict',
      20_000,
    );
    expect(conflict).toMatchObject({ warpField: 'legal_name', warpValue: `${name} Corp (WARP)`, hubspotValue: `${name} Inc (HubSpot)` });
    // Held: neither side was written.
    expect((await h.sandbox.control.company(companyId!)).properties.warp_legal_name).toBe(`${name} Inc (HubSpot)`);
    return { id, companyId: companyId! };
  }

  it("take WARP: after the worker runs, HubSpot holds WARP's value and the conflict is closed", async () => {
    const { id, companyId } = await customerInConflict('Take Warp');
    const resolved = await resolveConflict(
      h.database.db,
      { customerId: id, warpField: 'legal_name', take: 'WARP', by: 'ops@test' },
      { publishing },
    );
    expect(resolved).toMatchObject({
      take: 'WARP',
      value: 'Take Warp Corp (WARP)',
      hubspotProperty: 'warp_legal_name',
      resync: { published: true },
    });
    await waitFor(
      async () => (await h.sandbox.control.company(companyId)).properties.warp_legal_name === 'Take Warp Corp (WARP)',
      "HubSpot to take WARP's value",
      20_000,
    );
    await outboxSettled(h);

    expect((await customerRow(id)).legal_name).toBe('Take Warp Corp (WARP)');
    expect(await listOpenConflicts(h.database.db, id)).toEqual([]);
    expect(await fieldState(id)).toMatchObject({ conflict_status: 'NONE', has_base: true, base_value: 'Take Warp Corp (WARP)' });
    const resync = await h.database.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('id', '=', resolved.resync.outboxId)
      .executeTakeFirstOrThrow();
    expect(resync).toMatchObject({ operation: 'RESYNC', origin: 'OPERATOR', status: 'DONE', changed_by: 'ops@test' });
    const log = await h.database.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('customer_id', '=', id)
      .where('operation', '=', 'RESOLVE_CONFLICT')
      .execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      status: 'SUCCESS',
      direction: 'WARP_TO_HUBSPOT',
      outbox_id: resolved.resync.outboxId,
      hubspot_company_id: companyId,
    });
    expect(log[0]!.fields).toMatchObject({
      legal_name: { warpValue: 'Take Warp Corp (WARP)', hubspotValue: 'Take Warp Inc (HubSpot)', take: 'WARP', by: 'ops@test' },
    });
  });

  it("take HUBSPOT: after the worker runs, WARP holds HubSpot's value; a second resolution is refused and writes nothing", async () => {
    const { id, companyId } = await customerInConflict('Take Hub');
    await resolveConflict(h.database.db, { customerId: id, warpField: 'legal_name', take: 'HUBSPOT', by: 'ops@test' }, { publishing });
    await waitFor(async () => (await customerRow(id)).legal_name === 'Take Hub Inc (HubSpot)', "WARP to take HubSpot's value", 20_000);
    await outboxSettled(h);
    expect((await h.sandbox.control.company(companyId)).properties.warp_legal_name).toBe('Take Hub Inc (HubSpot)');
    expect(await fieldState(id)).toMatchObject({ conflict_status: 'NONE', base_value: 'Take Hub Inc (HubSpot)' });

    const counts = async () => ({
      outbox: (await h.database.db.selectFrom('hubspot_sync_queue').select('id').where('customer_id', '=', id).execute()).length,
      log: (await h.database.db.selectFrom('hubspot_sync_log').select('id').where('customer_id', '=', id).execute()).length,
      state: await fieldState(id),
    });
    const before = await counts();
    await expect(
      resolveConflict(h.database.db, { customerId: id, warpField: 'legal_name', take: 'WARP', by: 'ops@test' }, { publishing }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `customer ${id} has no open conflict on legal_name`,
    });
    await expect(
      resolveConflict(h.database.db, { customerId: id, warpField: 'company_name', take: 'WARP', by: 'ops@test' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await counts()).toEqual(before);
  });
});
