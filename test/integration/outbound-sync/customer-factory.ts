import { sql } from 'kysely';
import type { Db } from '../../../shared/db/database.js';

/** A BAN of the shape customers.ban demands, unique per n. */
export const banFor = (n: number, prefix = 'WS') => `${prefix}-${String(n).padStart(9, '0')}`;

/**
 * Inserts customers and their CREATE outbox rows in bulk, as the customer API would (one
 * transaction each row pair), for bursts too large to send through the API one by one.
 */
export async function insertCustomersWithOutbox(
  db: Db,
  count: number,
  options: { offset?: number; prefix?: string } = {},
): Promise<string[]> {
  const offset = options.offset ?? 0;
  const rows = await db
    .insertInto('customers')
    .values(
      Array.from({ length: count }, (_, i) => ({
        ban: banFor(offset + i, options.prefix),
        company_name: `Burst Co ${offset + i}`,
        customer_type: 'POSTPAID' as const,
        contact: { name: 'Ops', email: `ops${offset + i}@example.com`, phone: '+1 415 555 0100' },
        address: { line1: `${offset + i} Main St`, city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
        credit_limit: '1000.00',
      })),
    )
    .returning('id')
    .execute();
  const ids = rows.map((r) => r.id);
  await db
    .insertInto('hubspot_sync_queue')
    .values(ids.map((id) => ({ customer_id: id, operation: 'CREATE' as const, origin: 'WARP' as const, changed_fields: ['company_name'] })))
    .execute();
  return ids;
}

/** Changes every given customer's name and city, one UPDATE outbox row each. */
export async function updateCustomersWithOutbox(db: Db, ids: readonly string[], tag: string): Promise<void> {
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
