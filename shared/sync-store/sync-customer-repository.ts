import { sql, type Selectable } from 'kysely';
import type { DbOrTx } from '../db/database.js';
import { insertAppliedHubspotChange, type AppliedHubspotChange } from '../outbox/outbox-writes.js';
import type { CustomersTable } from '../db/tables/customers.js';
import { getPath, setPath, type JsonObject } from '../sync/json-path.js';
import type { WarpValue } from '../sync/transforms.js';

/** Who the sync's own customer writes are attributed to (updated_by, changed_by). */
export const SYNC_ACTOR = 'hubspot-sync';

export type SyncCustomer = Selectable<CustomersTable>;

/**
 * Links the sync leaves alone until a person (or a restore) acts: the company was deleted, the
 * customer was unlinked by hand, or its company belongs to another customer. No company is
 * created for them and no resync is queued.
 */
export const isLeftAlone = (status: SyncCustomer['hubspot_link_status']) =>
  status === 'DELETED' || status === 'DETACHED' || status === 'NEEDS_ATTENTION';

/** `lockRows`: FOR UPDATE, so that no API write moves them before the caller's writes (writeLockedCustomers). */
export async function loadCustomers(db: DbOrTx, ids: readonly string[], lockRows = false): Promise<Map<string, SyncCustomer>> {
  if (ids.length === 0) return new Map();
  const query = db
    .selectFrom('customers')
    .selectAll()
    .where('id', 'in', [...ids]);
  const rows = await (lockRows ? query.forUpdate() : query).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Stores the company a customer was linked to. A sync-internal write: it bumps the version (the
 * ETag changes, the representation did) but writes no outbox row, as nothing needs syncing.
 * Returns the customer as linked, so the same sync applies its pulls against the new version, or
 * undefined when another sync linked it first.
 */
export async function linkCustomerToCompany(
  db: DbOrTx,
  customerId: string,
  companyId: string,
  now: Date,
): Promise<SyncCustomer | undefined> {
  return db
    .updateTable('customers')
    .set({
      hubspot_company_id: companyId,
      hubspot_link_status: 'LINKED',
      version: sql`version + 1`,
      updated_at: now,
      updated_by: SYNC_ACTOR,
    })
    .where('id', '=', customerId)
    .where('hubspot_company_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Marks a customer whose company cannot be linked (it belongs to another customer) for a person.
 * Not part of the representation, so no version bump; a later successful link clears it.
 */
export async function markLinkNeedsAttention(db: DbOrTx, customerId: string): Promise<void> {
  await db
    .updateTable('customers')
    .set({ hubspot_link_status: 'NEEDS_ATTENTION' })
    .where('id', '=', customerId)
    .where('hubspot_company_id', 'is', null)
    .execute();
}

export interface WarpWrite {
  warpField: string;
  value: WarpValue;
}

/** One customer's row after HubSpot's values: the columns to set, and the outbox record of the change. */
export interface CustomerFieldsWrite {
  customerId: string;
  /** The version the customer was planned at, and is locked at. */
  version: number;
  columns: Record<string, unknown>;
  change: AppliedHubspotChange;
}

/** What writing `writes` to `customer` sets (null: nothing to write). */
export function customerFieldsWrite(customer: SyncCustomer, writes: readonly WarpWrite[], now: Date): CustomerFieldsWrite | null {
  if (writes.length === 0) return null;
  let updated: JsonObject = customer;
  const oldValues: Record<string, unknown> = {};
  const newValues: Record<string, unknown> = {};
  for (const { warpField, value } of writes) {
    oldValues[warpField] = getPath(customer, warpField) ?? null;
    newValues[warpField] = value;
    updated = setPath(updated, warpField, value);
  }
  const columns = [...new Set(writes.map((w) => w.warpField.split('.')[0]!))];
  const changes = { fields: writes.map((w) => w.warpField), oldValues, newValues };
  return {
    customerId: customer.id,
    version: customer.version,
    columns: Object.fromEntries(columns.map((column) => [column, updated[column]])),
    change: { customerId: customer.id, changes, by: SYNC_ACTOR, now },
  };
}

/**
 * Applies HubSpot's values to one customer the caller holds locked (FOR UPDATE) and records the
 * change as an outbox row of origin HUBSPOT that is born done: it documents the change for anyone
 * reading the outbox (the sync log points at it) and can never come back as outbound work.
 * Returns that row's id (null: nothing to write).
 */
export async function applyWarpWrites(tx: DbOrTx, customer: SyncCustomer, writes: readonly WarpWrite[], now: Date): Promise<string | null> {
  const write = customerFieldsWrite(customer, writes, now);
  if (!write) return null;
  await writeLockedCustomers(tx, [write], now);
  return insertAppliedHubspotChange(tx, write.change);
}

/**
 * Writes customers the caller holds locked (FOR UPDATE, at the versions planned), one statement
 * per set of columns written; each gets a new version. The outbox records are the caller's to
 * store. A customer not at its version means the lock did not hold: that throws, undoing the batch.
 */
export async function writeLockedCustomers(tx: DbOrTx, writes: readonly CustomerFieldsWrite[], now: Date): Promise<void> {
  const byColumns = new Map<string, CustomerFieldsWrite[]>();
  for (const write of writes) {
    const key = Object.keys(write.columns).sort().join(',');
    const group = byColumns.get(key);
    if (group) group.push(write);
    else byColumns.set(key, [write]);
  }
  for (const [key, group] of byColumns) {
    const columns = key.split(',');
    const rows = group.map((w) => ({ ...w.columns, id: w.customerId, version: w.version }));
    // jsonb_populate_recordset gives each value its column's type, so one parameter carries them all.
    const updated = await sql<{ id: string }>`
      UPDATE customers AS c
      SET ${sql.join(columns.map((column) => sql`${sql.ref(column)} = v.${sql.ref(column)}`))},
        version = c.version + 1, updated_at = ${now}, updated_by = ${SYNC_ACTOR}
      FROM jsonb_populate_recordset(NULL::customers, ${JSON.stringify(rows)}::jsonb) AS v
      WHERE c.id = v.id AND c.version = v.version
      RETURNING c.id`.execute(tx);
    if (updated.rows.length !== group.length) {
      const written = new Set(updated.rows.map((r) => r.id));
      const moved = group.filter((w) => !written.has(w.customerId)).map((w) => w.customerId);
      throw new Error(`customers changed under their row lock: ${moved.join(', ')}`);
    }
  }
}
