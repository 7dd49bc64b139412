import type { Db } from '../../shared/db/database.js';
import { DEV_USERS } from '../../shared/auth/dev-users.js';

/**
 * Demo data for the local stack (idempotent: fixed ids, ON CONFLICT DO NOTHING).
 * Users and types come from shared/auth/dev-users.ts so `npm run token` mints
 * tokens for users that exist. Gatekeeper paths are the API gateway's
 * (`/api/v1/customers...`), which the customer API checks against.
 */
export const SEED_USERS = DEV_USERS;

const contact = (name: string, domain: string) => ({ name, email: `billing@${domain}`, phone: '+1 303 555 0100' });
const address = (city: string, state: string, zip: string) => ({ line1: '100 Demo Way', city, state, zip, country: 'US' });

export const SEED_CUSTOMERS = [
  {
    id: '00000000-0000-4000-8000-00000000c001',
    ban: 'DM-000000001',
    company_name: 'Aurora Voice Networks',
    legal_name: 'Aurora Voice Networks LLC',
    status: 'ACTIVE',
    customer_type: 'POSTPAID',
    contact: contact('Ava Reed', 'aurora.example'),
    address: address('Denver', 'CO', '80202'),
    credit_limit: '5000.00',
  },
  {
    id: '00000000-0000-4000-8000-00000000c002',
    ban: 'DM-000000002',
    company_name: 'Blue Mesa Telecom',
    legal_name: null,
    status: 'ACTIVE',
    customer_type: 'PREPAID',
    contact: contact('Ben Ortiz', 'bluemesa.example'),
    address: address('Austin', 'TX', '73301'),
    credit_limit: null,
  },
  {
    id: '00000000-0000-4000-8000-00000000c003',
    ban: 'DM-000000003',
    company_name: 'Cedar Ridge Communications',
    legal_name: 'Cedar Ridge Comms Inc',
    status: 'TRIAL',
    customer_type: 'RESELLER',
    contact: contact('Cara Singh', 'cedarridge.example'),
    address: address('Portland', 'OR', '97201'),
    credit_limit: '1000.00',
  },
  {
    id: '00000000-0000-4000-8000-00000000c004',
    ban: 'DM-000000004',
    company_name: 'Delta Harbor SMS',
    legal_name: null,
    status: 'SUSPENDED',
    customer_type: 'POSTPAID',
    contact: contact('Dev Patel', 'deltaharbor.example'),
    address: address('Miami', 'FL', '33101'),
    credit_limit: '2500.00',
  },
  {
    id: '00000000-0000-4000-8000-00000000c005',
    ban: 'DM-000000005',
    company_name: 'Evergreen Data Carriers',
    legal_name: 'Evergreen Data Carriers Corp',
    status: 'ACTIVE',
    customer_type: 'POSTPAID',
    contact: contact('Eli Novak', 'evergreen.example'),
    address: address('Seattle', 'WA', '98101'),
    credit_limit: '12000.50',
  },
] as const;

/** customer_admin is granted the first two demo customers. */
export const SEED_GRANTS = [SEED_CUSTOMERS[0].id, SEED_CUSTOMERS[1].id];

export async function seedDemoData(db: Db): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const user of Object.values(SEED_USERS)) {
      await tx
        .insertInto('user_types')
        .values({ id: user.userTypeId, name: user.userType, description: 'local demo' })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const permissions = user.permissions;
      if (permissions.length > 0) {
        await tx
          .insertInto('user_type_permissions')
          .values(permissions.map((resource_path) => ({ user_type_id: user.userTypeId, resource_path })))
          .onConflict((oc) => oc.columns(['user_type_id', 'resource_path']).doNothing())
          .execute();
      }
      await tx
        .insertInto('users')
        .values({ id: user.userId, email: user.email, display_name: user.userType, user_type_id: user.userTypeId })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    const inserted = await tx
      .insertInto('customers')
      .values(SEED_CUSTOMERS.map((c) => ({ ...c, created_by: 'seed', updated_by: 'seed' })))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    // Like any other create, a seeded customer goes through the outbox so the sync picks it up.
    if (inserted.length > 0) {
      await tx
        .insertInto('hubspot_sync_queue')
        .values(inserted.map(({ id }) => ({ customer_id: id, operation: 'CREATE' as const, origin: 'WARP' as const, changed_by: 'seed' })))
        .execute();
    }
    await tx
      .insertInto('user_customer_access')
      .values(SEED_GRANTS.map((customer_id) => ({ user_id: SEED_USERS.customer_admin.userId, customer_id, granted_by: 'seed' })))
      .onConflict((oc) => oc.columns(['user_id', 'customer_id']).doNothing())
      .execute();
  });
}
