import { sql } from 'kysely';
import type { Tx } from '../db/database.js';
import type { HubspotLinkStatus } from '../db/tables/customers.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { SYNC_ACTOR, type SyncCustomer } from '../sync-store/sync-customer-repository.js';

/**
 * The customers linked to any of `companyIds`, locked for this transaction: first the sync lock
 * the outbound worker takes too (one sync of a customer at a time), then the row itself, so a
 * customer API write waits for us instead of racing our version bump. A link that moved between
 * the lookup and the lock is caught by re-reading under the lock.
 */
export async function lockCustomersLinkedTo(tx: Tx, companyIds: readonly string[]): Promise<SyncCustomer[]> {
  if (companyIds.length === 0) return [];
  const found = await tx
    .selectFrom('customers')
    .select('id')
    .where('hubspot_company_id', 'in', [...companyIds])
    .execute();
  if (found.length === 0) return [];
  await lockCustomersForSync(
    tx,
    found.map((c) => c.id),
  );
  return tx
    .selectFrom('customers')
    .selectAll()
    .where(
      'id',
      'in',
      found.map((c) => c.id),
    )
    .where('hubspot_company_id', 'in', [...companyIds])
    .orderBy('id')
    .forUpdate()
    .execute();
}

export async function lockCustomerByBan(tx: Tx, ban: string): Promise<SyncCustomer | undefined> {
  const found = await tx.selectFrom('customers').select('id').where('ban', '=', ban).executeTakeFirst();
  if (!found) return undefined;
  await lockCustomersForSync(tx, [found.id]);
  return tx.selectFrom('customers').selectAll().where('id', '=', found.id).forUpdate().executeTakeFirst();
}

/**
 * A sync-internal write of the link (company id and/or status): it bumps the version (the
 * representation changed) but writes no outbox row of its own; callers enqueue a resync when
 * the link needs one.
 */
export async function setCustomerLink(
  tx: Tx,
  customerId: string,
  link: { status: HubspotLinkStatus; companyId?: string },
  now: Date,
): Promise<void> {
  await tx
    .updateTable('customers')
    .set({
      hubspot_link_status: link.status,
      ...(link.companyId === undefined ? {} : { hubspot_company_id: link.companyId }),
      version: sql`version + 1`,
      updated_at: now,
      updated_by: SYNC_ACTOR,
    })
    .where('id', '=', customerId)
    .execute();
}

/**
 * A customer now linked to another company has no agreed values with it: its bases go, so the
 * next sync is a first sync (empty sides filled, differing values settled by the rules) instead
 * of reading the new company's values as changes.
 */
export async function forgetFieldStates(tx: Tx, customerId: string): Promise<void> {
  await tx.deleteFrom('hubspot_field_state').where('customer_id', '=', customerId).execute();
}
