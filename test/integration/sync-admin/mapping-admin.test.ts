import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { loadEffectiveMappings } from '../../../shared/sync-store/mapping-repository.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import type { FieldMapping } from '../../../shared/sync/field-mapping.js';
import {
  FULL_RECONCILE_COMMAND,
  removeCustomerOverride,
  setCustomerOverride,
  setGlobalMapping,
  showMappings,
} from '../../../shared/sync-admin/mapping-admin.js';
import type { MessagePublisher } from '../../../shared/pubsub/publisher.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';
import { recordingPublisher } from '../outbound-sync/recording-publisher.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

const seeded = (warpField: string): FieldMapping => {
  const mapping = DEFAULT_FIELD_MAPPINGS.find((m) => m.warpField === warpField);
  if (!mapping) throw new Error(`no default mapping of ${warpField}`);
  return { ...mapping };
};

describe('saving field mappings', () => {
  let t: TestDatabase;
  let customerA: string;
  let customerB: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    [customerA, customerB] = (await insertCustomersWithOutbox(t.db, 2, { prefix: 'MA' })) as [string, string];
    // The factory's CREATE rows are not this suite's business: only RESYNCs are counted below.
    await t.db.deleteFrom('hubspot_sync_queue').execute();
  });
  afterAll(() => t.destroy());

  /** Everything a save could write. */
  async function snapshot() {
    const config = await t.db.selectFrom('hubspot_sync_config').selectAll().orderBy('id').execute();
    const outbox = await t.db.selectFrom('hubspot_sync_queue').selectAll().orderBy('id').execute();
    const states = await t.db.selectFrom('hubspot_field_state').selectAll().orderBy('customer_id').orderBy('warp_field').execute();
    return { config, outbox, states };
  }

  async function expectRefused(save: () => Promise<unknown>, message: RegExp) {
    const before = await snapshot();
    const err = await save().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INVALID_MAPPING');
    expect((err as AppError).message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  }

  async function resyncsOf(customerId: string) {
    return t.db
      .selectFrom('hubspot_sync_queue')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('operation', '=', 'RESYNC')
      .orderBy('id')
      .execute();
  }

  it('refuses an unknown WARP field, naming it', async () => {
    await expectRefused(
      () => setGlobalMapping(t.db, { ...seeded('legal_name'), warpField: 'contact.fax', hubspotProperty: 'fax' }, 'ops@test'),
      /contact\.fax.*unknown WARP field "contact\.fax"/,
    );
  });

  it('refuses a transform that does not fit the field', async () => {
    await expectRefused(
      () => setGlobalMapping(t.db, { ...seeded('company_name'), transform: { name: 'money' } }, 'ops@test'),
      /company_name.*transform "money" does not fit a text field/,
    );
    await expectRefused(
      () => setCustomerOverride(t.db, customerA, { ...seeded('contact.phone'), transform: { name: 'integer' } }, 'ops@test'),
      /contact\.phone.*transform "integer" does not fit a phone field/,
    );
  });

  it('refuses a global set that maps one HubSpot property twice', async () => {
    await expectRefused(
      () => setGlobalMapping(t.db, { ...seeded('legal_name'), hubspotProperty: 'name' }, 'ops@test'),
      /mapping of legal_name refused: .*duplicate hubspotProperty "name"/,
    );
  });

  it('refuses an override that re-points the HubSpot property, and one of an unknown customer', async () => {
    await expectRefused(
      () => setCustomerOverride(t.db, customerA, { ...seeded('company_name'), hubspotProperty: 'warp_company_name' }, 'ops@test'),
      /company_name.*an override cannot change the HubSpot property of company_name/,
    );
    const before = await snapshot();
    await expect(
      setCustomerOverride(t.db, '00000000-0000-4000-8000-000000000000', seeded('company_name'), 'ops@test'),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('saves a global change, round-trips it through the loader, and tells the operator to reconcile instead of enqueueing', async () => {
    const saved = await setGlobalMapping(t.db, { ...seeded('company_name'), conflictRule: 'WARP_WINS' }, 'ops@test');
    expect(saved).toMatchObject({ changed: true, droppedFieldStates: 0, followUp: FULL_RECONCILE_COMMAND });
    expect(FULL_RECONCILE_COMMAND).toBe(`gcloud pubsub topics publish hubspot-reconcile-requests --message='{"all":true,"mode":"FULL"}'`);

    const effective = await loadEffectiveMappings(t.db, [customerA, customerB]);
    for (const id of [customerA, customerB]) {
      const result = effective.get(id);
      expect(result?.ok && result.mappings.find((m) => m.warpField === 'company_name')).toMatchObject({
        conflictRule: 'WARP_WINS',
        direction: 'BIDIRECTIONAL',
      });
    }
    const row = await t.db
      .selectFrom('hubspot_sync_config')
      .selectAll()
      .where('customer_id', 'is', null)
      .where('warp_field', '=', 'company_name')
      .executeTakeFirstOrThrow();
    expect(row.updated_by).toBe('ops@test');
    expect(row.updated_at.getTime()).toBeGreaterThan(row.created_at.getTime());
    expect(await t.db.selectFrom('hubspot_sync_queue').selectAll().execute()).toEqual([]);

    // The same save again changes nothing the sync reads: nothing to reconcile.
    expect(await setGlobalMapping(t.db, { ...seeded('company_name'), conflictRule: 'WARP_WINS' }, 'ops@test')).toMatchObject({
      changed: false,
      followUp: null,
    });
  });

  it('saves an override that round-trips, enqueueing and publishing exactly one RESYNC for that customer only', async () => {
    const publisher = recordingPublisher();
    const saved = await setCustomerOverride(t.db, customerA, { ...seeded('legal_name'), conflictRule: 'MANUAL' }, 'ops@test', {
      publishing: { publisher, topic: 'outbox' },
    });
    expect(saved).toMatchObject({ changed: true, resync: { published: true } });

    const effective = await loadEffectiveMappings(t.db, [customerA, customerB]);
    const legalOf = (id: string) => {
      const result = effective.get(id);
      return result?.ok ? result.mappings.find((m) => m.warpField === 'legal_name') : undefined;
    };
    expect(legalOf(customerA)).toMatchObject({ direction: 'BIDIRECTIONAL', conflictRule: 'MANUAL', hubspotProperty: 'warp_legal_name' });
    expect(legalOf(customerB)).toMatchObject({ conflictRule: 'LATEST_WINS' });

    const resyncs = await resyncsOf(customerA);
    expect(resyncs.map((r) => ({ origin: r.origin, fields: r.changed_fields, by: r.changed_by, status: r.status }))).toEqual([
      { origin: 'OPERATOR', fields: ['legal_name'], by: 'ops@test', status: 'PENDING' },
    ]);
    expect(resyncs[0]!.published_at).not.toBeNull();
    expect(publisher.outboxIds).toEqual([resyncs[0]!.id]);
    expect(await resyncsOf(customerB)).toEqual([]);

    const shown = await showMappings(t.db, customerA);
    expect(shown.filter((m) => m.source === 'OVERRIDE').map((m) => [m.warpField, m.conflictRule, m.updatedBy])).toEqual([
      ['legal_name', 'MANUAL', 'ops@test'],
    ]);
    expect(shown).toHaveLength(DEFAULT_FIELD_MAPPINGS.length);
    expect((await showMappings(t.db)).every((m) => m.source === 'GLOBAL')).toBe(true);

    // Saving the same override again changes nothing: no second RESYNC.
    expect(await setCustomerOverride(t.db, customerA, { ...seeded('legal_name'), conflictRule: 'MANUAL' }, 'ops@test')).toMatchObject({
      changed: false,
      resync: null,
    });
    expect(await resyncsOf(customerA)).toHaveLength(1);
  });

  it('refuses a global change that an existing override would no longer resolve against', async () => {
    await expectRefused(
      () => setGlobalMapping(t.db, { ...seeded('legal_name'), hubspotProperty: 'warp_registered_name' }, 'ops@test'),
      new RegExp(`legal_name refused: customer ${customerA}'s overrides would break: .*cannot change the HubSpot property of legal_name`),
    );
  });

  it('an unpublished RESYNC stays committed for the outbox relay', async () => {
    const failing: MessagePublisher = {
      publish: () => Promise.reject(new Error('emulator down')),
      close: async () => undefined,
    };
    const saved = await setCustomerOverride(
      t.db,
      customerB,
      { ...seeded('address.city'), direction: 'WARP_TO_HUBSPOT', conflictRule: 'WARP_WINS' },
      'ops@test',
      {
        publishing: { publisher: failing, topic: 'outbox' },
      },
    );
    expect(saved.resync).toMatchObject({ published: false, reason: 'emulator down' });
    const [row] = await resyncsOf(customerB);
    expect(row).toMatchObject({ id: saved.resync!.outboxId, published_at: null, publish_attempts: 1, status: 'PENDING' });
    expect(row!.last_error).toContain('emulator down');
  });

  it('removes an override: the customer follows the global row again, with one RESYNC', async () => {
    const removed = await removeCustomerOverride(t.db, customerA, 'legal_name', 'ops@test');
    expect(removed).toMatchObject({
      warpField: 'legal_name',
      changed: true,
      resync: { published: false, reason: 'no Pub/Sub publisher configured' },
    });
    const effective = (await loadEffectiveMappings(t.db, [customerA])).get(customerA);
    expect(effective?.ok && effective.mappings.find((m) => m.warpField === 'legal_name')).toMatchObject({ conflictRule: 'LATEST_WINS' });
    expect(await resyncsOf(customerA)).toHaveLength(2);
    await expect(removeCustomerOverride(t.db, customerA, 'legal_name', 'ops@test')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('re-pointing a global field drops the bases agreed on the old property', async () => {
    await t.db
      .insertInto('hubspot_field_state')
      .values(
        [customerA, customerB].map((id) => ({
          customer_id: id,
          warp_field: 'contact.email',
          hubspot_property: 'warp_contact_email',
          base_value: 'ops@example.com',
        })),
      )
      .execute();
    const saved = await setGlobalMapping(t.db, { ...seeded('contact.email'), hubspotProperty: 'email' }, 'ops@test');
    expect(saved).toMatchObject({ changed: true, droppedFieldStates: 2, followUp: FULL_RECONCILE_COMMAND });
    expect(await t.db.selectFrom('hubspot_field_state').selectAll().where('warp_field', '=', 'contact.email').execute()).toEqual([]);
  });
});
