import { sql, type Insertable } from 'kysely';
import type { DbOrTx } from '../../shared/db/database.js';
import type { CustomersTable } from '../../shared/db/tables/customers.js';

/**
 * The one place tests and benches make customer rows straight in the database (the API's own
 * path is the customer service): every required column filled from a number, any overridden.
 */

/** A BAN of the shape customers.ban demands, unique per n. */
export const banFor = (n: number, prefix = 'WS') => `${prefix}-${String(n).padStart(9, '0')}`;

export type CustomerRow = Insertable<CustomersTable>;

/** Customer number `n`: a valid, distinct row; `overrides` replace any column. */
export function customerRow(n: number, overrides: Partial<CustomerRow> & { prefix?: string } = {}): CustomerRow {
  const { prefix, ...columns } = overrides;
  return {
    ban: banFor(n, prefix),
    company_name: `Test Co ${n}`,
    customer_type: 'POSTPAID',
    contact: { name: 'Ops', email: `ops${n}@example.com`, phone: '+1 415 555 0100' },
    address: { line1: `${n} Main St`, city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
    credit_limit: '1000.00',
    ...columns,
  };
}

/** Inserts the rows in one statement; their ids, BANs and versions in the rows' order. */
export function insertCustomers(db: DbOrTx, rows: readonly CustomerRow[]) {
  return db
    .insertInto('customers')
    .values([...rows])
    .returning(['id', 'ban', 'version'])
    .execute();
}

/** Inserts one row (customerRow(n, overrides)). */
export async function insertCustomer(db: DbOrTx, n: number, overrides: Partial<CustomerRow> & { prefix?: string } = {}) {
  const [row] = await insertCustomers(db, [customerRow(n, overrides)]);
  return row!;
}

/**
 * Inserts customers and their CREATE outbox rows in bulk, as the customer API would (one
 * transaction each row pair), for bursts too large to send through the API one by one.
 */
export async function insertCustomersWithOutbox(
  db: DbOrTx,
  count: number,
  options: { offset?: number; prefix?: string } = {},
): Promise<string[]> {
  const offset = options.offset ?? 0;
  const rows = await insertCustomers(
    db,
    Array.from({ length: count }, (_, i) => customerRow(offset + i, { prefix: options.prefix, company_name: `Burst Co ${offset + i}` })),
  );
  const ids = rows.map((r) => r.id);
  await db
    .insertInto('hubspot_sync_queue')
    .values(ids.map((id) => ({ customer_id: id, operation: 'CREATE' as const, origin: 'WARP' as const, changed_fields: ['company_name'] })))
    .execute();
  return ids;
}

/** Changes every given customer's name and city, one UPDATE outbox row each. */
export async function updateCustomersWithOutbox(db: DbOrTx, ids: readonly string[], tag: string): Promise<void> {
  await db
    .updateTable('customers')
    .set({
      company_name: sql`company_name || ${` ${tag}`}`,
      address: sql`jsonb_set(address, '{city}', to_jsonb(${`City ${tag}`}::text))`,
      version: sql`version + 1`,
    })
    .where('id', 'in', [...ids])
    .execute();
  await db
    .insertInto('hubspot_sync_queue')
    .values(
      ids.map((id) => ({
        customer_id: id,
        operation: 'UPDATE' as const,
        origin: 'WARP' as const,
        changed_fields: ['company_name', 'address.city'],
      })),
    )
    .execute();
}
