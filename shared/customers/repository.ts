import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { customerVisibilityFilter as visibleTo } from '../auth/customer-scope.js';
import type { CustomerScope } from '../auth/principal.js';
import type { CustomerValues } from './changes.js';
import type { ListQuery } from './query-schemas.js';
import type { CustomerRow } from './view.js';

export function findVisibleCustomer(
  db: DbOrTx,
  scope: CustomerScope,
  by: { id: string } | { ban: string },
): Promise<CustomerRow | undefined> {
  const query = db.selectFrom('customers').selectAll().where(visibleTo(scope));
  return ('id' in by ? query.where('id', '=', by.id) : query.where('ban', '=', by.ban)).executeTakeFirst();
}

/** Row lock for a read-modify-write: concurrent PUTs on one customer serialise here. */
export function lockVisibleCustomer(tx: DbOrTx, scope: CustomerScope, id: string): Promise<CustomerRow | undefined> {
  return tx.selectFrom('customers').selectAll().where('id', '=', id).where(visibleTo(scope)).forUpdate().executeTakeFirst();
}

/** `%` and `_` in the user's term are literal characters, not wildcards. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page and the total from ONE snapshot on ONE connection: a REPEATABLE READ READ ONLY
 * transaction, so `total` always counts the rows `items` was paged from, and a list holds
 * a single pooled connection (two in parallel could starve a small pool). One statement with
 * `count(*) over ()` was measured too (npm run bench -- customer-list): it must produce every
 * matching row before LIMIT applies and was about 4x slower for an unfiltered page.
 */
export function listVisibleCustomers(db: Db, scope: CustomerScope, query: ListQuery): Promise<{ rows: CustomerRow[]; total: number }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => {
      const filtered = listFilter(tx, scope, query);
      const rows = await filtered
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
        .execute();
      const count = await filtered.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
      return { rows, total: Number(count.total) };
    });
}

/** Scope, status and search: the rows a list pages through and counts. */
function listFilter(db: DbOrTx, scope: CustomerScope, query: ListQuery) {
  let filtered = db.selectFrom('customers').where(visibleTo(scope));
  if (query.status) filtered = filtered.where('status', '=', query.status);
  if (query.search) {
    // ILIKE '%term%' on each column is what the pg_trgm GIN indexes serve (a BitmapOr of the three).
    const pattern = likePattern(query.search);
    filtered = filtered.where((eb) =>
      eb.or([eb('company_name', 'ilike', pattern), eb('legal_name', 'ilike', pattern), eb('ban', 'ilike', pattern)]),
    );
  }
  return filtered;
}

/** Inserts unless the BAN is taken (then undefined, and the caller draws another). */
export function insertCustomer(tx: DbOrTx, values: CustomerValues, ban: string, userId: string): Promise<CustomerRow | undefined> {
  return tx
    .insertInto('customers')
    .values({ ...values, ban, created_by: userId, updated_by: userId })
    .onConflict((oc) => oc.column('ban').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function updateCustomer(tx: DbOrTx, id: string, values: CustomerValues, userId: string): Promise<CustomerRow> {
  return tx
    .updateTable('customers')
    .set({ ...values, version: sql<number>`version + 1`, updated_at: sql<Date>`now()`, updated_by: userId })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Global mapping rows plus this customer's overrides (see effectiveMappings). */
export function loadMappingRows(db: DbOrTx, customerId: string) {
  return db
    .selectFrom('hubspot_sync_config')
    .select(['customer_id', 'warp_field', 'direction', 'enabled'])
    .where((eb) => eb.or([eb('customer_id', 'is', null), eb('customer_id', '=', customerId)]))
    .execute();
}

/** True when the customer exists and the scope lets the caller see it. */
export async function customerIsVisible(db: DbOrTx, scope: CustomerScope, id: string): Promise<boolean> {
  const row = await db.selectFrom('customers').select('id').where('id', '=', id).where(visibleTo(scope)).executeTakeFirst();
  return row !== undefined;
}
