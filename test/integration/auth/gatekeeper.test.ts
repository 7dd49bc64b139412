import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevAccessToken, createAccessTokenVerifier } from '../../../shared/auth/access-token.js';
import { createRequestAuthenticator } from '../../../shared/auth/authenticate-request.js';
import { customerVisibilityFilter, grantCustomerAccess } from '../../../shared/auth/customer-scope.js';
import { createGatekeeper } from '../../../shared/auth/gatekeeper.js';
import type { AccessTokenClaims, CustomerScope } from '../../../shared/auth/principal.js';
import type { Db } from '../../../shared/db/database.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { insertCustomer } from '../../support/customer-factory.js';

const TYPES = {
  superAdmin: { id: '10000000-0000-4000-8000-000000000001', permissions: ['*'] },
  exactList: { id: '10000000-0000-4000-8000-000000000002', permissions: ['/v1/customers'] },
  customerAdmin: { id: '10000000-0000-4000-8000-000000000003', permissions: ['/v1/customers/*'] },
  nothing: { id: '10000000-0000-4000-8000-000000000004', permissions: [] as string[] },
  reports: { id: '10000000-0000-4000-8000-000000000005', permissions: ['/v1/reports/*'] },
} as const;
type TypeName = keyof typeof TYPES;

const USERS = {
  root: { id: '20000000-0000-4000-8000-000000000001', type: 'superAdmin' },
  lister: { id: '20000000-0000-4000-8000-000000000002', type: 'exactList' },
  scoped: { id: '20000000-0000-4000-8000-000000000003', type: 'customerAdmin' },
  otherScoped: { id: '20000000-0000-4000-8000-000000000004', type: 'customerAdmin' },
  powerless: { id: '20000000-0000-4000-8000-000000000005', type: 'nothing' },
  retired: { id: '20000000-0000-4000-8000-000000000006', type: 'superAdmin', inactive: true },
  reporter: { id: '20000000-0000-4000-8000-000000000007', type: 'reports' },
} as const satisfies Record<string, { id: string; type: TypeName; inactive?: boolean }>;
type UserName = keyof typeof USERS;

const emailOf = (name: string) => `${name.toLowerCase()}@example.com`;

/** Claims as a token would carry them; the token's type may lie (see the elevation tests). */
function claimsOf(name: UserName, claimedType: TypeName = USERS[name].type): AccessTokenClaims {
  return { userId: USERS[name].id, email: emailOf(name), userTypeId: TYPES[claimedType].id, userType: claimedType };
}

async function expectForbidden(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toSatisfy((e: unknown) => e instanceof AppError && e.code === 'FORBIDDEN' && e.status === 403);
}

let testDb: TestDatabase;
let db: Db;
const customerIds: string[] = [];

async function insertGatekeeperCustomer(n: number): Promise<string> {
  return (await insertCustomer(db, n, { prefix: 'GK', company_name: `Gatekeeper Test ${n}`, customer_type: 'PREPAID' })).id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  for (const [name, type] of Object.entries(TYPES)) {
    await db.insertInto('user_types').values({ id: type.id, name, description: null }).execute();
    for (const resource_path of type.permissions) {
      await db.insertInto('user_type_permissions').values({ user_type_id: type.id, resource_path }).execute();
    }
  }
  for (const [name, user] of Object.entries(USERS)) {
    await db
      .insertInto('users')
      .values({
        id: user.id,
        email: emailOf(name),
        display_name: name,
        user_type_id: TYPES[user.type].id,
        is_active: !('inactive' in user),
      })
      .execute();
  }
  for (let n = 1; n <= 4; n++) customerIds.push(await insertGatekeeperCustomer(n));
  await grantCustomerAccess(db, { userId: USERS.scoped.id, customerId: customerIds[0]!, grantedBy: 'test' });
  await grantCustomerAccess(db, { userId: USERS.scoped.id, customerId: customerIds[2]!, grantedBy: 'test' });
  await grantCustomerAccess(db, { userId: USERS.otherScoped.id, customerId: customerIds[1]!, grantedBy: 'test' });
});

afterAll(async () => {
  await testDb?.destroy();
});

describe('gatekeeper.authorize', () => {
  it('gives a * user every path and the ALL customer scope', async () => {
    const principal = await createGatekeeper(db).authorize(claimsOf('root'), '/v1/customers/123/dids');
    expect(principal).toEqual({
      userId: USERS.root.id,
      email: 'root@example.com',
      userType: 'superAdmin',
      permissions: ['*'],
      customerScope: { kind: 'ALL' },
    });
  });

  it('honours exact permissions', async () => {
    const gatekeeper = createGatekeeper(db);
    await expect(gatekeeper.authorize(claimsOf('lister'), '/v1/customers')).resolves.toMatchObject({
      customerScope: { kind: 'GRANTED', userId: USERS.lister.id },
    });
    await expect(gatekeeper.authorize(claimsOf('lister'), '/v1/customers/?page=2')).resolves.toMatchObject({ userType: 'exactList' });
    await expectForbidden(gatekeeper.authorize(claimsOf('lister'), '/v1/customers/123'));
  });

  it('honours prefix permissions and scopes the user to granted customers', async () => {
    const gatekeeper = createGatekeeper(db);
    for (const path of ['/v1/customers', '/v1/customers/abc', '/v1/customers/by-ban/AC-123456789', '/v1/customers/abc/trunks']) {
      await expect(gatekeeper.authorize(claimsOf('scoped'), path)).resolves.toMatchObject({
        userType: 'customerAdmin',
        customerScope: { kind: 'GRANTED', userId: USERS.scoped.id },
      });
    }
    await expectForbidden(gatekeeper.authorize(claimsOf('scoped'), '/v1/customersx'));
    await expectForbidden(gatekeeper.authorize(claimsOf('scoped'), '/v1/customers/../admin'));
    await expectForbidden(gatekeeper.authorize(claimsOf('reporter'), '/v1/customers'));
  });

  it('forbids a user type without permissions', async () => {
    await expectForbidden(createGatekeeper(db).authorize(claimsOf('powerless'), '/v1/customers'));
  });

  it('forbids an unknown user even with a wildcard type claim', async () => {
    const ghost = { ...claimsOf('root'), userId: '2fffffff-0000-4000-8000-000000000000' };
    await expectForbidden(createGatekeeper(db).authorize(ghost, '/v1/customers'));
  });

  it('forbids an inactive user', async () => {
    await expectForbidden(createGatekeeper(db).authorize(claimsOf('retired'), '/v1/customers'));
  });

  it('uses the user type from the database, not the one the token claims', async () => {
    const { logger, lines } = createMemoryLogger();
    const gatekeeper = createGatekeeper(db, { logger });
    // Claims superAdmin, is nothing: still forbidden.
    await expectForbidden(gatekeeper.authorize(claimsOf('powerless', 'superAdmin'), '/v1/customers'));
    // Claims superAdmin, is customerAdmin: allowed by its own type, and still scoped.
    await expect(gatekeeper.authorize(claimsOf('scoped', 'superAdmin'), '/v1/customers')).resolves.toMatchObject({
      userType: 'customerAdmin',
      permissions: ['/v1/customers/*'],
      customerScope: { kind: 'GRANTED', userId: USERS.scoped.id },
    });
    expect(lines.some((l) => l.tokenUserType === 'superAdmin' && l.userType === 'customerAdmin')).toBe(true);
  });

  it('applies a permission change on the next request (no stale cache)', async () => {
    const gatekeeper = createGatekeeper(db);
    await expectForbidden(gatekeeper.authorize(claimsOf('reporter'), '/v1/customers'));
    await db.insertInto('user_type_permissions').values({ user_type_id: TYPES.reports.id, resource_path: '/v1/customers' }).execute();
    await expect(gatekeeper.authorize(claimsOf('reporter'), '/v1/customers')).resolves.toMatchObject({ userType: 'reports' });
    await db
      .deleteFrom('user_type_permissions')
      .where('user_type_id', '=', TYPES.reports.id)
      .where('resource_path', '=', '/v1/customers')
      .execute();
    await expectForbidden(gatekeeper.authorize(claimsOf('reporter'), '/v1/customers'));
  });

  it('logs why it denied, with the same message for every denial', async () => {
    const { logger, lines } = createMemoryLogger();
    const gatekeeper = createGatekeeper(db, { logger });
    const messages = new Set<string>();
    for (const [name, path] of [
      ['powerless', '/v1/customers'],
      ['retired', '/v1/customers'],
      ['lister', '/v1/customers/1'],
    ] as const) {
      await gatekeeper.authorize(claimsOf(name), path).catch((e: AppError) => messages.add(e.message));
    }
    expect(messages.size).toBe(1);
    expect(lines.filter((l) => l.message === 'access denied').map((l) => l.reason)).toEqual([
      'no_permission',
      'inactive_user',
      'no_permission',
    ]);
  });
});

describe('customerVisibilityFilter', () => {
  const visibleIds = (scope: CustomerScope) =>
    db
      .selectFrom('customers')
      .select('id')
      .where(customerVisibilityFilter(scope))
      .orderBy('ban')
      .execute()
      .then((rows) => rows.map((r) => r.id));

  it('shows a scoped user only the customers granted to them', async () => {
    expect(await visibleIds({ kind: 'GRANTED', userId: USERS.scoped.id })).toEqual([customerIds[0], customerIds[2]]);
    expect(await visibleIds({ kind: 'GRANTED', userId: USERS.otherScoped.id })).toEqual([customerIds[1]]);
    expect(await visibleIds({ kind: 'GRANTED', userId: USERS.powerless.id })).toEqual([]);
  });

  it('shows every customer for the ALL scope', async () => {
    expect(await visibleIds({ kind: 'ALL' })).toEqual(customerIds);
  });

  it('scopes counts, by-BAN lookups and updates too', async () => {
    const scope: CustomerScope = { kind: 'GRANTED', userId: USERS.scoped.id };
    const { count } = await db
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where(customerVisibilityFilter(scope))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(2);

    const byBan = await db
      .selectFrom('customers')
      .select('id')
      .where('ban', '=', 'GK-000000002')
      .where(customerVisibilityFilter(scope))
      .execute();
    expect(byBan).toEqual([]);

    const notMine = await db
      .updateTable('customers')
      .set({ company_name: 'Hijacked' })
      .where('id', '=', customerIds[1]!)
      .where(customerVisibilityFilter(scope))
      .executeTakeFirst();
    expect(notMine.numUpdatedRows).toBe(0n);
    const mine = await db
      .updateTable('customers')
      .set({ company_name: 'Renamed' })
      .where('id', '=', customerIds[0]!)
      .where(customerVisibilityFilter(scope))
      .executeTakeFirst();
    expect(mine.numUpdatedRows).toBe(1n);
  });

  it('grantCustomerAccess is idempotent', async () => {
    await grantCustomerAccess(db, { userId: USERS.otherScoped.id, customerId: customerIds[3]!, grantedBy: 'test' });
    await grantCustomerAccess(db, { userId: USERS.otherScoped.id, customerId: customerIds[3]!, grantedBy: 'test' });
    expect(await visibleIds({ kind: 'GRANTED', userId: USERS.otherScoped.id })).toEqual([customerIds[1], customerIds[3]]);
  });
});

describe('request authenticator', () => {
  const secret = 'integration-test-secret-at-least-32-bytes';
  const authenticator = () =>
    createRequestAuthenticator({ verifier: createAccessTokenVerifier({ secret }), gatekeeper: createGatekeeper(db) });
  const tokenFor = (name: UserName) =>
    signDevAccessToken({
      secret,
      userId: USERS[name].id,
      email: emailOf(name),
      userTypeId: TYPES[USERS[name].type].id,
      userType: USERS[name].type,
    });

  it('turns a valid bearer token into a principal', async () => {
    const principal = await authenticator().authenticate({ authorization: `Bearer ${await tokenFor('scoped')}` }, '/v1/customers');
    expect(principal.customerScope).toEqual({ kind: 'GRANTED', userId: USERS.scoped.id });
  });

  it('answers 401 before touching the database, and 403 for a valid token without permission', async () => {
    await expect(authenticator().authenticate({}, '/v1/customers')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const token = await tokenFor('scoped');
    await expect(
      authenticator().authenticate({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }, '/v1/customers'),
    ).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(
      authenticator().authenticate({ authorization: `Bearer ${await tokenFor('powerless')}` }, '/v1/customers'),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
