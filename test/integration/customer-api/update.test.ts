import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('PUT /v1/customers/:id: partial update, ETag, outbox, HubSpot-owned fields', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const committed: Array<[string, string]> = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, {
      authenticator: fakeAuthenticator().authenticator,
      onOutboxCommitted: async (outboxId, customerId) => {
        committed.push([outboxId, customerId]);
      },
    });
  });
  afterAll(async () => {
    await api.close();
    await t.destroy();
  });

  const create = async (overrides: Record<string, unknown> = {}) =>
    (await call(api, 'POST', '/v1/customers', { body: newCustomer(overrides) })).body.data;
  const outboxRows = (customerId: string) =>
    t.db.selectFrom('hubspot_sync_queue').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();

  it('writes one CREATE outbox row with the new values, then calls the after-commit hook', async () => {
    const c = await create({ credit_limit: 100 });
    const rows = await outboxRows(c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      operation: 'CREATE',
      origin: 'WARP',
      changed_by: '11111111-1111-4111-8111-111111111111',
      status: 'PENDING',
    });
    expect(rows[0]!.changed_fields).toEqual(
      expect.arrayContaining(['ban', 'company_name', 'contact.email', 'address.city', 'credit_limit']),
    );
    expect(rows[0]!.new_values).toMatchObject({
      ban: c.ban,
      'contact.email': c.contact.email,
      credit_limit: '100.00',
      current_balance: '0.00',
    });
    expect(rows[0]!.old_values).toEqual({});
    expect(committed).toContainEqual([rows[0]!.id, c.id]);
  });

  it('changes only the fields given, merges contact and address, bumps version and ETag', async () => {
    const c = await create({ legal_name: 'Old Legal' });
    const res = await call(api, 'PUT', `/v1/customers/${c.id}`, {
      body: { company_name: 'Renamed Inc', contact: { email: 'new@acme.example' }, address: { city: 'Boulder' } },
    });
    expect(res.status).toBe(200);
    const u = res.body.data;
    expect(u).toMatchObject({
      company_name: 'Renamed Inc',
      legal_name: 'Old Legal',
      contact: { ...c.contact, email: 'new@acme.example' },
      address: { ...c.address, city: 'Boulder' },
      version: 2,
      updated_by: '11111111-1111-4111-8111-111111111111',
    });
    expect(Date.parse(u.updated_at)).toBeGreaterThan(Date.parse(c.updated_at));
    expect(res.headers.get('etag')).toBe(`"2-${c.id}"`);

    const rows = await outboxRows(c.id);
    expect(rows.map((r) => r.operation)).toEqual(['CREATE', 'UPDATE']);
    expect(rows[1]).toMatchObject({
      changed_fields: ['address.city', 'company_name', 'contact.email'],
      old_values: { 'address.city': 'Denver', company_name: c.company_name, 'contact.email': c.contact.email },
      new_values: { 'address.city': 'Boulder', company_name: 'Renamed Inc', 'contact.email': 'new@acme.example' },
    });
  });

  it('null clears optional values (legal_name, address.line2)', async () => {
    const c = await create({
      legal_name: 'X Legal',
      address: { line1: '1 A St', line2: 'Suite 5', city: 'Denver', state: 'CO', zip: '80202', country: 'US' },
    });
    const u = (await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { legal_name: null, address: { line2: null } } })).body.data;
    expect(u.legal_name).toBeUndefined();
    expect(u.address).toEqual({ line1: '1 A St', city: 'Denver', state: 'CO', zip: '80202', country: 'US' });
  });

  it('an update that changes nothing writes no outbox row and keeps the version', async () => {
    const c = await create();
    const res = await call(api, 'PUT', `/v1/customers/${c.id}`, {
      body: { company_name: c.company_name, contact: { name: c.contact.name } },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.version).toBe(1);
    expect(await outboxRows(c.id)).toHaveLength(1);
  });

  it('If-Match with the current ETag succeeds; a stale one is 412 and writes nothing', async () => {
    const c = await create();
    const fresh = await call(api, 'GET', `/v1/customers/${c.id}`);
    const ok = await call(api, 'PUT', `/v1/customers/${c.id}`, {
      body: { status: 'SUSPENDED' },
      headers: { 'if-match': fresh.headers.get('etag')! },
    });
    expect(ok.status).toBe(200);
    const stale = await call(api, 'PUT', `/v1/customers/${c.id}`, {
      body: { status: 'CLOSED' },
      headers: { 'if-match': fresh.headers.get('etag')! },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
    const now = (await call(api, 'GET', `/v1/customers/${c.id}`)).body.data;
    expect(now).toMatchObject({ status: 'SUSPENDED', version: 2 });
    expect(await outboxRows(c.id)).toHaveLength(2);
  });

  it('If-Match compares strongly: a weak tag never matches; `*` and a list holding the current tag do', async () => {
    const c = await create();
    const etag = (await call(api, 'GET', `/v1/customers/${c.id}`)).headers.get('etag')!;
    const put = (ifMatch: string, status: string) =>
      call(api, 'PUT', `/v1/customers/${c.id}`, { body: { status }, headers: { 'if-match': ifMatch } });

    for (const refused of [`W/${etag}`, `"0-${c.id}", W/${etag}`, etag.slice(1, -1), '"*"']) {
      const res = await put(refused, 'CLOSED');
      expect(res.status, refused).toBe(412);
      expect(res.body.error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { etag } });
    }
    expect((await call(api, 'GET', `/v1/customers/${c.id}`)).body.data).toMatchObject({ status: 'ACTIVE', version: 1 });

    expect((await put('*', 'TRIAL')).status).toBe(200);
    const current = `"2-${c.id}"`;
    const listed = await put(`"1-${c.id}", W/"x", ${current}`, 'SUSPENDED');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toMatchObject({ status: 'SUSPENDED', version: 3 });
    expect(await outboxRows(c.id)).toHaveLength(3);
  });

  it('If-Match: * on an unknown customer is 404, not a write', async () => {
    const res = await call(api, 'PUT', '/v1/customers/00000000-0000-4000-8000-000000000000', {
      body: { status: 'CLOSED' },
      headers: { 'if-match': '*' },
    });
    expect(res.status).toBe(404);
  });

  describe('external_ids.hubspot_company_id (shown from the link column, managed by the sync)', () => {
    /** The fields UpdateCustomerRequest lists, taken from a GET as an edit form would. */
    const WRITABLE = [
      'company_name',
      'legal_name',
      'status',
      'contact',
      'address',
      'services',
      'kyc_data',
      'business_info',
      'external_ids',
      'custom_fields',
      'credit_limit',
      'payment_terms',
      'billing_cycle',
    ];
    const editForm = (customer: Record<string, unknown>) =>
      Object.fromEntries(WRITABLE.filter((k) => k in customer).map((k) => [k, customer[k]]));
    const linked = async (hubspotId: string) => {
      const c = await create({ legal_name: 'Linked LLC', credit_limit: 750.25, external_ids: { billing_system: 'BS-1', legacy_id: 42 } });
      await t.db
        .updateTable('customers')
        .set({ hubspot_company_id: hubspotId, hubspot_link_status: 'LINKED' })
        .where('id', '=', c.id)
        .execute();
      return c;
    };
    const stored = (id: string) =>
      t.db.selectFrom('customers').select(['external_ids', 'hubspot_company_id', 'version']).where('id', '=', id).executeTakeFirstOrThrow();

    it('GET -> PUT of what was read round-trips: 200, nothing changes, the jsonb never holds the link', async () => {
      const c = await linked('31337001');
      const read = await call(api, 'GET', `/v1/customers/${c.id}`);
      expect(read.body.data.external_ids).toEqual({ billing_system: 'BS-1', legacy_id: 42, hubspot_company_id: '31337001' });

      const res = await call(api, 'PUT', `/v1/customers/${c.id}`, {
        body: editForm(read.body.data),
        headers: { 'if-match': read.headers.get('etag')! },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.data).toEqual(read.body.data);
      expect(await stored(c.id)).toEqual({
        external_ids: { billing_system: 'BS-1', legacy_id: 42 },
        hubspot_company_id: '31337001',
        version: 1,
      });
      expect(await outboxRows(c.id)).toHaveLength(1);
    });

    it('an edit that keeps the link (or leaves it out) changes only the other ids', async () => {
      const c = await linked('31337002');
      const kept = await call(api, 'PUT', `/v1/customers/${c.id}`, {
        body: { external_ids: { billing_system: 'BS-2', hubspot_company_id: 31337002 } },
      });
      expect(kept.status, kept.text).toBe(200);
      expect(kept.body.data.external_ids).toEqual({ billing_system: 'BS-2', hubspot_company_id: '31337002' });
      const left = await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { external_ids: { billing_system: 'BS-3' } } });
      expect(left.body.data.external_ids).toEqual({ billing_system: 'BS-3', hubspot_company_id: '31337002' });
      expect(await stored(c.id)).toEqual({ external_ids: { billing_system: 'BS-3' }, hubspot_company_id: '31337002', version: 3 });
      const changes = (await outboxRows(c.id)).slice(1).map((r) => r.changed_fields);
      expect(changes).toEqual([['external_ids.billing_system', 'external_ids.legacy_id'], ['external_ids.billing_system']]);
    });

    it('an attempt to change, set or clear the link is 400 naming external_ids.hubspot_company_id, writing nothing', async () => {
      const c = await linked('31337003');
      const unlinked = await create();
      const attempts: Array<[string, unknown]> = [
        [c.id, { external_ids: { hubspot_company_id: '99999999' } }],
        [c.id, { company_name: 'Also Renamed', external_ids: { billing_system: 'BS-1', hubspot_company_id: '' } }],
        [unlinked.id, { external_ids: { hubspot_company_id: '31337003' } }],
      ];
      for (const [id, body] of attempts) {
        const res = await call(api, 'PUT', `/v1/customers/${id}`, { body });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'VALIDATION_FAILED',
          details: { issues: [{ path: 'external_ids.hubspot_company_id', message: expect.stringContaining('managed by the sync') }] },
        });
      }
      expect(await stored(c.id)).toEqual({
        external_ids: { billing_system: 'BS-1', legacy_id: 42 },
        hubspot_company_id: '31337003',
        version: 1,
      });
      expect((await stored(unlinked.id)).hubspot_company_id).toBeNull();
    });

    it('a create cannot set the link', async () => {
      const res = await call(api, 'POST', '/v1/customers', {
        body: newCustomer({ company_name: 'Never Linked', external_ids: { hubspot_company_id: '5' } }),
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([
        { path: 'external_ids.hubspot_company_id', message: expect.stringContaining('managed by the sync') },
      ]);
      expect(await t.db.selectFrom('customers').select('id').where('company_name', '=', 'Never Linked').execute()).toEqual([]);
    });
  });

  it('refuses read-only and unknown fields with 400 naming each, writing nothing', async () => {
    const c = await create();
    const res = await call(api, 'PUT', `/v1/customers/${c.id}`, {
      body: {
        id: c.id,
        ban: 'AB-123456789',
        current_balance: 5,
        prepaid_balance: 1,
        created_at: 'x',
        customer_type: 'PREPAID',
        nickname: 'x',
        company_name: 'Fine',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = Object.fromEntries(res.body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]));
    expect(fields).toEqual({
      id: 'read-only field',
      ban: 'read-only field',
      current_balance: 'read-only field',
      prepaid_balance: 'read-only field',
      created_at: 'read-only field',
      customer_type: 'unknown field',
      nickname: 'unknown field',
    });
    expect((await call(api, 'GET', `/v1/customers/${c.id}`)).body.data.company_name).toBe(c.company_name);
  });

  it('refuses money with more than 2 decimals or below zero, naming the field', async () => {
    const c = await create();
    for (const bad of [10.005, -1, '1e3', 'abc']) {
      const res = await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { credit_limit: bad } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe('credit_limit');
    }
  });

  it('a failure after the customer update (outbox insert) rolls both back', async () => {
    const c = await create();
    await sql`CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$`.execute(
      t.db,
    );
    await sql`CREATE TRIGGER refuse_outbox BEFORE INSERT ON hubspot_sync_queue FOR EACH ROW EXECUTE FUNCTION refuse_outbox()`.execute(t.db);
    try {
      const res = await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { company_name: 'Never Saved' } });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ success: false, error: { code: 'INTERNAL', message: 'Internal server error' } });
      const created = await call(api, 'POST', '/v1/customers', { body: newCustomer({ company_name: 'Never Created' }) });
      expect(created.status).toBe(500);
    } finally {
      await sql`DROP TRIGGER refuse_outbox ON hubspot_sync_queue`.execute(t.db);
      await sql`DROP FUNCTION refuse_outbox()`.execute(t.db);
    }
    const row = await t.db.selectFrom('customers').select(['company_name', 'version']).where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ company_name: c.company_name, version: 1 });
    expect(await t.db.selectFrom('customers').select('id').where('company_name', '=', 'Never Created').execute()).toEqual([]);
    expect(await outboxRows(c.id)).toHaveLength(1);
  });

  it('refuses a change to a HUBSPOT_TO_WARP field with 409 FIELD_OWNED_BY_HUBSPOT, writing nothing', async () => {
    const c = await create({ credit_limit: 100, payment_terms: 30 });
    // Start from a known mapping whether or not the default-mapping migration has seeded one.
    await t.db.deleteFrom('hubspot_sync_config').execute();
    await t.db
      .insertInto('hubspot_sync_config')
      .values([
        {
          customer_id: null,
          warp_field: 'credit_limit',
          hubspot_property: 'warp_credit_limit',
          direction: 'HUBSPOT_TO_WARP',
          conflict_rule: 'HUBSPOT_WINS',
        },
        {
          customer_id: null,
          warp_field: 'payment_terms',
          hubspot_property: 'warp_payment_terms',
          direction: 'HUBSPOT_TO_WARP',
          conflict_rule: 'HUBSPOT_WINS',
        },
        {
          customer_id: null,
          warp_field: 'company_name',
          hubspot_property: 'name',
          direction: 'BIDIRECTIONAL',
          conflict_rule: 'LATEST_WINS',
        },
      ])
      .execute();
    try {
      const res = await call(api, 'PUT', `/v1/customers/${c.id}`, {
        body: { credit_limit: 200, payment_terms: 60, company_name: 'Changed' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'FIELD_OWNED_BY_HUBSPOT', details: { fields: ['credit_limit', 'payment_terms'] } });
      expect((await call(api, 'GET', `/v1/customers/${c.id}`)).body.data).toMatchObject({
        company_name: c.company_name,
        credit_limit: 100,
        version: 1,
      });

      // Sending the current value is no change, so it is allowed alongside WARP-owned edits.
      const same = await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { credit_limit: '100.00', company_name: 'Changed' } });
      expect(same.status).toBe(200);

      // A per-customer override hands the field back to WARP for that customer only.
      await t.db
        .insertInto('hubspot_sync_config')
        .values({
          customer_id: c.id,
          warp_field: 'credit_limit',
          hubspot_property: 'warp_credit_limit',
          direction: 'BIDIRECTIONAL',
          conflict_rule: 'LATEST_WINS',
        })
        .execute();
      expect((await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { credit_limit: 250 } })).body.data.credit_limit).toBe(250);

      // On create, HubSpot-owned fields may carry their first value.
      expect((await call(api, 'POST', '/v1/customers', { body: newCustomer({ credit_limit: 5, payment_terms: 15 }) })).status).toBe(201);
    } finally {
      await t.db.deleteFrom('hubspot_sync_config').execute();
    }
  });

  it('with no mapping rows nothing is owned by HubSpot', async () => {
    await t.db.deleteFrom('hubspot_sync_config').execute();
    const c = await create({ credit_limit: 100 });
    const res = await call(api, 'PUT', `/v1/customers/${c.id}`, { body: { credit_limit: 300, payment_terms: 10 } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ credit_limit: 300, payment_terms: 10 });
  });

  it('a failing after-commit hook is logged and never fails the request', async () => {
    const failing = await startCustomerApi(t, {
      authenticator: fakeAuthenticator().authenticator,
      onOutboxCommitted: async () => {
        throw new Error('pubsub down');
      },
    });
    try {
      const res = await call(failing, 'POST', '/v1/customers', { body: newCustomer() });
      expect(res.status).toBe(201);
      expect(failing.lines.some((l) => l.severity === 'WARNING' && String(l.message).includes('onOutboxCommitted failed'))).toBe(true);
      expect(await outboxRows(res.body.data.id)).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });
});
