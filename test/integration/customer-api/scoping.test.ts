import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevAccessToken } from '../../../shared/auth/access-token.js';
import { createAccessTokenVerifier } from '../../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../../shared/auth/authenticate-request.js';
import { grantCustomerAccess } from '../../../shared/auth/customer-scope.js';
import { createGatekeeper } from '../../../shared/auth/gatekeeper.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { seedDemoData, SEED_USERS } from '../../../dev/local/seed.js';
import { call, fakeAuthenticator, newCustomer, SCOPED_USER, startCustomerApi, type RunningApi } from './support.js';

const SECRET = 'scoping-test-secret-of-at-least-32-bytes!';

/** Everything a GRANTED caller might use to reach a customer it was not granted. */
async function expectInvisible(api: RunningApi, token: string, hidden: { id: string; ban: string; company_name: string }) {
  for (const path of [
    `/v1/customers/${hidden.id}`,
    `/v1/customers/by-ban/${hidden.ban}`,
    `/v1/customers/${hidden.id}/trunks`,
    `/v1/customers/${hidden.id}/dids`,
  ]) {
    const res = await call(api, 'GET', path, { token });
    expect(res.status, path).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  }
  const put = await call(api, 'PUT', `/v1/customers/${hidden.id}`, { body: { company_name: 'Hijacked' }, token });
  expect(put.status).toBe(404);
  const search = await call(api, 'GET', `/v1/customers?search=${encodeURIComponent(hidden.company_name)}`, { token });
  expect(search.body.data).toEqual({ items: [], pagination: { page: 1, per_page: 20, total: 0, total_pages: 0 } });
  const byBan = await call(api, 'GET', `/v1/customers?search=${hidden.ban}`, { token });
  expect(byBan.body.data.pagination.total).toBe(0);
}

describe('Gatekeeper scoping: a GRANTED caller sees only its customers', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.destroy());

  describe('with a fake authenticator', () => {
    let api: RunningApi;
    let mine: { id: string };
    let hidden: { id: string; ban: string; company_name: string };

    beforeAll(async () => {
      api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
      await t.db.insertInto('user_types').values({ id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'scoped_test' }).execute();
      await t.db
        .insertInto('users')
        .values({ id: SCOPED_USER, email: 'scoped@test.local', user_type_id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' })
        .execute();
      mine = (await call(api, 'POST', '/v1/customers', { body: newCustomer({ company_name: 'Scope Mine Ltd' }) })).body.data;
      hidden = (await call(api, 'POST', '/v1/customers', { body: newCustomer({ company_name: 'Scope Hidden Ltd' }) })).body.data;
      await grantCustomerAccess(t.db, { userId: SCOPED_USER, customerId: mine.id, grantedBy: 'test' });
    });
    afterAll(() => api.close());

    it('reaches a granted customer by id, list and PUT; counts only granted ones', async () => {
      expect((await call(api, 'GET', `/v1/customers/${mine.id}`, { token: 'scoped' })).status).toBe(200);
      const list = await call(api, 'GET', '/v1/customers?search=scope', { token: 'scoped' });
      expect(list.body.data.items.map((c: { id: string }) => c.id)).toEqual([mine.id]);
      expect(list.body.data.pagination.total).toBe(1);
      expect((await call(api, 'GET', '/v1/customers', { token: 'scoped' })).body.data.pagination.total).toBe(1);
      expect((await call(api, 'PUT', `/v1/customers/${mine.id}`, { body: { status: 'TRIAL' }, token: 'scoped' })).status).toBe(200);
    });

    it('a scoped creator is granted the customer it creates, in the same transaction; an ALL-scope creator gets no grant', async () => {
      const created = await call(api, 'POST', '/v1/customers', {
        body: newCustomer({ company_name: 'Scope Created Ltd' }),
        token: 'scoped',
      });
      expect(created.status).toBe(201);
      expect((await call(api, 'GET', `/v1/customers/${created.body.data.id}`, { token: 'scoped' })).status).toBe(200);
      const grants = await t.db
        .selectFrom('user_customer_access')
        .select(['user_id', 'granted_by'])
        .where('customer_id', '=', created.body.data.id)
        .execute();
      expect(grants).toEqual([{ user_id: SCOPED_USER, granted_by: 'customer-api:create' }]);
      const byAdmin = (await call(api, 'POST', '/v1/customers', { body: newCustomer() })).body.data;
      expect(await t.db.selectFrom('user_customer_access').select('user_id').where('customer_id', '=', byAdmin.id).execute()).toEqual([]);
    });

    it('a create failing after the grant (outbox insert) leaves neither customer nor grant', async () => {
      const grants = () => t.db.selectFrom('user_customer_access').select('customer_id').where('user_id', '=', SCOPED_USER).execute();
      const before = await grants();
      await sql`CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$`.execute(
        t.db,
      );
      await sql`CREATE TRIGGER refuse_outbox BEFORE INSERT ON hubspot_sync_queue FOR EACH ROW EXECUTE FUNCTION refuse_outbox()`.execute(
        t.db,
      );
      try {
        const res = await call(api, 'POST', '/v1/customers', {
          body: newCustomer({ company_name: 'Scope Never Created' }),
          token: 'scoped',
        });
        expect(res.status).toBe(500);
      } finally {
        await sql`DROP TRIGGER refuse_outbox ON hubspot_sync_queue`.execute(t.db);
        await sql`DROP FUNCTION refuse_outbox()`.execute(t.db);
      }
      expect(await t.db.selectFrom('customers').select('id').where('company_name', '=', 'Scope Never Created').execute()).toEqual([]);
      expect(await grants()).toEqual(before);
    });

    it('cannot reach another customer by id, BAN, trunks, dids, PUT, list or search', async () => {
      await expectInvisible(api, 'scoped', hidden);
      const row = await t.db.selectFrom('customers').select('company_name').where('id', '=', hidden.id).executeTakeFirstOrThrow();
      expect(row.company_name).toBe('Scope Hidden Ltd');
    });
  });

  describe('with real tokens, the real verifier and Gatekeeper over the demo seed', () => {
    let api: RunningApi;
    const token = (user: (typeof SEED_USERS)[keyof typeof SEED_USERS]) =>
      signDevAccessToken({ secret: SECRET, userId: user.userId, email: user.email, userTypeId: user.userTypeId, userType: user.userType });

    beforeAll(async () => {
      await seedDemoData(t.db);
      const verifier = createAccessTokenVerifier({ secret: SECRET });
      api = await startCustomerApi(t, { authenticator: createRequestAuthenticator({ verifier, gatekeeper: createGatekeeper(t.db) }) });
    });
    afterAll(() => api.close());

    it('superAdmin sees every customer; customer_admin only its two grants; viewer is 403', async () => {
      const all = await call(api, 'GET', '/v1/customers?per_page=100', { token: await token(SEED_USERS.superAdmin) });
      expect(all.status).toBe(200);
      const scoped = await call(api, 'GET', '/v1/customers?per_page=100', { token: await token(SEED_USERS.customer_admin) });
      expect(scoped.status).toBe(200);
      expect(scoped.body.data.pagination.total).toBe(2);
      expect(all.body.data.pagination.total).toBeGreaterThan(2);
      const hidden = all.body.data.items.find((c: { id: string }) => !scoped.body.data.items.some((s: { id: string }) => s.id === c.id));
      await expectInvisible(api, await token(SEED_USERS.customer_admin), hidden);
      const viewer = await call(api, 'GET', '/v1/customers', { token: await token(SEED_USERS.viewer) });
      expect(viewer.status).toBe(403);
      expect(viewer.body.error.code).toBe('FORBIDDEN');
    });

    it('customer_admin can open the customer it just created, and only that one more', async () => {
      const scopedToken = await token(SEED_USERS.customer_admin);
      const created = await call(api, 'POST', '/v1/customers', { body: newCustomer(), token: scopedToken });
      expect(created.status).toBe(201);
      expect((await call(api, 'GET', `/v1/customers/${created.body.data.id}`, { token: scopedToken })).status).toBe(200);
      expect((await call(api, 'GET', '/v1/customers?per_page=100', { token: scopedToken })).body.data.pagination.total).toBe(3);
    });

    it('a tampered token is 401 and says nothing more', async () => {
      const good = await token(SEED_USERS.superAdmin);
      const tampered = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
      const res = await call(api, 'GET', '/v1/customers', { token: tampered });
      expect(res.status).toBe(401);
      expect(res.body.error.details).toBeUndefined();
    });
  });
});
