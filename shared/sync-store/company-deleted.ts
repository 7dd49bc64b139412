import type { Tx } from '../db/database.js';
import { setCustomerLink } from '../inbound-sync/linked-customers.js';
import type { Logger } from '../logging/logger.js';
import type { NewSyncLogEntry } from './sync-log-repository.js';

export function companyDeletedMessage(companyId: string): string {
  return `HubSpot company ${companyId} was deleted; the customer is kept and not synced until the company is restored or relinked`;
}

/** What on-call searches for; one text however the deletion was noticed. */
export const COMPANY_DELETED_ALERT = 'HubSpot company of a customer was deleted: needs attention';

/**
 * The customer's company is gone from HubSpot: the customer stays and its link is marked DELETED
 * (a sync-internal write that bumps the version). Returns the sync log fields of the UNLINK; the
 * caller adds where it came from (outbox row or webhook event) and, once committed, alerts.
 */
export async function markCompanyDeleted(
  tx: Tx,
  customerId: string,
  companyId: string,
  now: Date,
): Promise<
  Pick<NewSyncLogEntry, 'customer_id' | 'hubspot_company_id' | 'direction' | 'operation' | 'status' | 'error_code' | 'error_message'>
> {
  await setCustomerLink(tx, customerId, { status: 'DELETED' }, now);
  return {
    customer_id: customerId,
    hubspot_company_id: companyId,
    direction: 'NONE',
    operation: 'UNLINK',
    status: 'FAILED',
    error_code: 'COMPANY_DELETED',
    error_message: companyDeletedMessage(companyId),
  };
}

/** Tells on-call a customer lost its company (one text however the deletion was noticed). */
export function alertCompanyDeleted(log: Logger, customer: { id: string; ban: string }, companyId: string): void {
  log.warn(COMPANY_DELETED_ALERT, { customerId: customer.id, ban: customer.ban, companyId });
}
