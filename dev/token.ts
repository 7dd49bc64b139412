/**
 * npm run token -- --user-type <superAdmin|admin|customer_admin|viewer> [--customer <uuid>] [--ttl <seconds>]
 *
 * Prints (on stdout, alone, so `TOKEN=$(npm run -s token -- ...)` works) an access token the
 * local stack accepts: signed like WARP's auth service with JWT_SECRET, or the local dev secret,
 * for one of the seeded demo users. `--customer` grants that customer to a scoped user, in
 * DATABASE_URL or, when unset, the local stack's database.
 */
import { parseArgs } from 'node:util';
import { signDevAccessToken } from '../shared/auth/access-token.js';
import { grantCustomerAccess } from '../shared/auth/customer-scope.js';
import { LOCAL_DEV_JWT_SECRET } from '../shared/auth/dev-secret.js';
import { DEV_USER_TYPE_NAMES, DEV_USERS, devUserIsScoped, isDevUserTypeName, type DevUser } from '../shared/auth/dev-users.js';
import { processIo, withDatabase } from './sync-admin-cli.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGE = `usage: npm run token -- --user-type <${DEV_USER_TYPE_NAMES.join('|')}> [--customer <uuid>] [--ttl <seconds>]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

/** Into DATABASE_URL, else the local stack's database: the rule of `npm run mapping`. */
async function grant(user: DevUser, customerId: string): Promise<void> {
  try {
    await withDatabase(processIo, 'warp-dev-token', (db) =>
      grantCustomerAccess(db, { userId: user.userId, customerId, grantedBy: 'dev-token' }),
    );
    console.error(`Granted customer ${customerId} to ${user.email}.`);
  } catch (err) {
    // 23503: the customer (or the seeded user) does not exist in that database.
    const code = (err as { code?: string }).code;
    fail(
      code === '23503'
        ? `No customer ${customerId} (or no seeded ${user.userType} user) in that database.`
        : `Grant failed: ${(err as Error).message}`,
    );
  }
}

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') fail('The dev token command does not run with NODE_ENV=production.');
  const { values } = parseArgs({
    options: { 'user-type': { type: 'string' }, customer: { type: 'string' }, ttl: { type: 'string' } },
    strict: true,
  });
  const typeName = values['user-type'];
  if (!typeName || !isDevUserTypeName(typeName)) fail(`--user-type must be one of ${DEV_USER_TYPE_NAMES.join(', ')}`);
  const user = DEV_USERS[typeName];
  const ttlSeconds = values.ttl === undefined ? 8 * 3600 : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 24 * 3600) fail('--ttl must be whole seconds between 1 and 86400');

  if (values.customer !== undefined) {
    if (!UUID.test(values.customer)) fail('--customer must be a customer id (uuid)');
    if (!devUserIsScoped(user)) fail(`--customer is for scoped user types; ${user.userType} already sees every customer`);
    await grant(user, values.customer.toLowerCase());
  }

  const secret = process.env.JWT_SECRET || LOCAL_DEV_JWT_SECRET;
  if (process.env.JWT_SECRET) console.error('Signed with JWT_SECRET from the environment.');
  console.log(
    await signDevAccessToken({
      secret,
      userId: user.userId,
      email: user.email,
      userTypeId: user.userTypeId,
      userType: user.userType,
      ttlSeconds,
    }),
  );
}

await main();
