import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier, signDevAccessToken } from '../../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../../shared/auth/authenticate-request.js';
import { createGatekeeper } from '../../../shared/auth/gatekeeper.js';
import { SEED_CUSTOMERS, SEED_GRANTS, SEED_USERS, seedDemoData } from '../../../dev/local/seed.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, startCustomerApi, type RunningApi } from '../customer-api/support.js';

const SECRET = 'sync-gatekeeper-test-secret-of-32-bytes!';

describe('sync operations under the real verifier and Gatekeeper (demo seed)', () => {
  let t: TestDatabase;
  let api: RunningApi;
  const tokens: Record<string, string> = {};
  const granted = SEED_CUSTOMERS[0].id;
  const hidden = SEED_CUSTOMERS.find((c) => !(SEED_GRANTS as readonly string[]).includes(c.id))!.id;

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemoData(t.db);
    const verifier = createAccessTokenVerifier({ secret: SECRET });
    api = await startCustomerApi(t, { authenticator: createRequestAuthenticator({ verifier, gatekeeper: createGatekeeper(t.db) }) });
    for (const user of Object.values(SEED_USERS)) tokens[user.userType] = await signDevAccessToken({ ...user, secret: SECRET });
  });
  afterAll(async () => {
    await api?.close();
    await t?.destroy();
  });

  const globalOperations: Array<[string, string, unknown?]> = [
    ['GET', '/v1/sync/status'],
    ['GET', '/v1/sync/log'],
    ['GET', '/v1/sync/conflicts'],
    ['POST', '/v1/sync/conflicts/resolve', { customerId: SEED_GRANTS[0], field: 'legal_name', take: 'warp' }],
    ['GET', '/v1/sync/mappings'],
    [
      'PUT',
      '/v1/sync/mappings/legal_name',
      { hubspotProperty: 'warp_legal_name', direction: 'NONE', conflictRule: 'WARP_WINS', transform: { name: 'text' } },
    ],
    ['GET', '/v1/sync/failures'],
    ['POST', '/v1/sync/failures/retry', { all: true }],
  ];

  it('superAdmin and admin reach every global operation', async () => {
    for (const userType of ['superAdmin', 'admin']) {
      for (const path of ['/v1/sync/status', '/v1/sync/log', '/v1/sync/conflicts', '/v1/sync/mappings', '/v1/sync/failures']) {
        expect((await call(api, 'GET', path, { token: tokens[userType] })).status, `${userType} ${path}`).toBe(200);
      }
    }
  });

  it('customer_admin and viewer get 403 on every global operation, and nothing is written', async () => {
    const logRows = async () => (await t.db.selectFrom('hubspot_sync_log').select('id').execute()).length;
    const before = await logRows();
    for (const userType of ['customer_admin', 'viewer']) {
      for (const [method, path, body] of globalOperations) {
        const res = await call(api, method, path, { token: tokens[userType], body });
        expect(res.status, `${userType} ${method} ${path}`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
    }
    expect(await logRows()).toBe(before);
  });

  it("customer_admin reads and resyncs its granted customer's sync; another customer's is 404", async () => {
    const token = tokens.customer_admin;
    const mine = await call(api, 'GET', `/v1/customers/${granted}/sync`, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.data.customerId).toBe(granted);
    const resync = await call(api, 'POST', `/v1/customers/${granted}/sync`, { token });
    expect(resync.status).toBe(202);
    const row = await t.db
      .selectFrom('hubspot_sync_queue')
      .select('changed_by')
      .where('id', '=', resync.body.data.outboxId)
      .executeTakeFirstOrThrow();
    expect(row.changed_by).toBe(SEED_USERS.customer_admin.userId);
    for (const method of ['GET', 'POST']) {
      const res = await call(api, method, `/v1/customers/${hidden}/sync`, { token });
      expect(res.status, method).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it("customer_admin cannot change its customer's mapping overrides (403), an admin can", async () => {
    const body = {
      hubspotProperty: 'warp_legal_name',
      direction: 'WARP_TO_HUBSPOT',
      conflictRule: 'WARP_WINS',
      transform: { name: 'text' },
    };
    const refused = await call(api, 'PUT', `/v1/customers/${granted}/sync/mappings/legal_name`, { token: tokens.customer_admin, body });
    expect(refused.status).toBe(403);
    expect((await call(api, 'DELETE', `/v1/customers/${granted}/sync/mappings/legal_name`, { token: tokens.customer_admin })).status).toBe(
      403,
    );
    const saved = await call(api, 'PUT', `/v1/customers/${granted}/sync/mappings/legal_name`, { token: tokens.admin, body });
    expect(saved.status).toBe(200);
    const entry = await t.db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .where('operation', '=', 'MAPPING_SET')
      .where('customer_id', '=', granted)
      .executeTakeFirstOrThrow();
    expect(entry.fields).toMatchObject({ legal_name: { by: SEED_USERS.admin.userId, scope: 'OVERRIDE' } });
  });
});
