import { sql, type Selectable, type Updateable } from 'kysely';
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

export async function loadCustomers(db: DbOrTx, ids: readonly string[]): Promise<Map<string, SyncCustomer>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('customers')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
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

/** applied: false on a version race. outboxId: the row recording the change (null: nothing to write). */
export type WarpWritesResult = { applied: false } | { applied: true; outboxId: string | null };

/**
 * Applies HubSpot's values to a customer, only if it is still at `customer.version` (a WARP change
 * in between wins and brings its own outbox row; the next sync decides again). Records the change
 * as an outbox row of origin HUBSPOT that is born done: it documents the change for anyone
 * reading the outbox (and the sync log points at it) and can never come back as outbound work.
 */
export async function applyWarpWrites(
  db: DbOrTx,
  customer: SyncCustomer,
  writes: readonly WarpWrite[],
  now: Date,
): Promise<WarpWritesResult> {
  const update = await updateCustomerFields(db, customer, writes, now);
  if (!update.applied) return update;
  return { applied: true, outboxId: update.change ? await insertAppliedHubspotChange(db, update.change) : null };
}

/** applyWarpWrites without the outbox record: `change` is that record, for the caller to store (null: nothing written). */
export async function updateCustomerFields(
  db: DbOrTx,
  customer: SyncCustomer,
  writes: readonly WarpWrite[],
  now: Date,
): Promise<{ applied: false } | { applied: true; change: AppliedHubspotChange | null }> {
  if (writes.length === 0) return { applied: true, change: null };
  let updated: JsonObject = customer;
  const oldValues: Record<string, unknown> = {};
  const newValues: Record<string, unknown> = {};
  for (const { warpField, value } of writes) {
    oldValues[warpField] = getPath(customer, warpField) ?? null;
    newValues[warpField] = value;
    updated = setPath(updated, warpField, value);
  }
  const columns = [...new Set(writes.map((w) => w.warpField.split('.')[0]!))];
  const set = Object.fromEntries(columns.map((column) => [column, updated[column]])) as Updateable<CustomersTable>;
  const result = await db
    .updateTable('customers')
    .set({ ...set, version: sql`version + 1`, updated_at: now, updated_by: SYNC_ACTOR })
    .where('id', '=', customer.id)
    .where('version', '=', customer.version)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return { applied: false };
  const changes = { fields: writes.map((w) => w.warpField), oldValues, newValues };
  return { applied: true, change: { customerId: customer.id, changes, by: SYNC_ACTOR, now } };
}
