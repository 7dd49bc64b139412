import { alertCompanyDeleted, markCompanyDeleted } from '../sync-store/company-deleted.js';
import type { CompanyRecord } from '../hubspot/client/hubspot-companies.js';
import { ignored, processed, type EventOutcome } from './event-outcome.js';
import { logForEvent, logRowsForEvent, requestResync, type InboundContext } from './inbound-context.js';
import { forgetFieldStates, lockCustomerByBan, lockCustomersLinkedTo, setCustomerLink } from './linked-customers.js';
import { companyBan, isOwnChange } from './unlinked-company.js';

const LINK_EVENTS = ['company.deletion', 'company.restore'] as const;

/**
 * Deletion and restore of one company can arrive in either order: the one that happened last
 * decides. True when a later deletion/restore of the same company was already applied.
 */
async function overtakenByLaterLinkEvent(ctx: InboundContext, companyId: string): Promise<boolean> {
  const later = await ctx.tx
    .selectFrom('hubspot_webhook_events')
    .select('id')
    .where('object_id', '=', companyId)
    .where('subscription_type', 'in', [...LINK_EVENTS])
    .where('status', '=', 'PROCESSED')
    .where('occurred_at', '>', ctx.occurredAt)
    .limit(1)
    .executeTakeFirst();
  return later !== undefined;
}

/** `company.deletion`: the customer stays, its link is marked deleted, and on-call is told. */
export async function applyCompanyDeletion(ctx: InboundContext): Promise<EventOutcome> {
  const companyId = String(ctx.event.objectId);
  const [customer] = await lockCustomersLinkedTo(ctx.tx, [companyId]);
  if (!customer) return ignored('UNKNOWN_COMPANY', `no customer is linked to company ${companyId}`);
  if (await overtakenByLaterLinkEvent(ctx, companyId)) return ignored('STALE_EVENT', 'a later restore or deletion was applied');
  // A customer being unlinked from the company no longer follows it.
  if (customer.hubspot_link_status === 'DELETED' || customer.hubspot_link_status === 'DETACHED') return processed();
  await logRowsForEvent(ctx, [await markCompanyDeleted(ctx.tx, customer.id, companyId, ctx.now)]);
  alertCompanyDeleted(ctx.log, customer, companyId);
  return processed();
}

/** `company.restore`: the link is live again and the customer is re-synced against the company. */
export async function applyCompanyRestore(ctx: InboundContext): Promise<EventOutcome> {
  const companyId = String(ctx.event.objectId);
  const [customer] = await lockCustomersLinkedTo(ctx.tx, [companyId]);
  if (!customer) return ignored('UNKNOWN_COMPANY', `no customer is linked to company ${companyId}`);
  if (await overtakenByLaterLinkEvent(ctx, companyId)) return ignored('STALE_EVENT', 'a later restore or deletion was applied');
  if (customer.hubspot_link_status === 'LINKED' || customer.hubspot_link_status === 'DETACHED') return processed();
  await setCustomerLink(ctx.tx, customer.id, { status: 'LINKED' }, ctx.now);
  const outboxId = await requestResync(ctx, customer.id);
  await logForEvent(ctx, [{ customerId: customer.id, companyId, direction: 'NONE', operation: 'RELINK', status: 'SUCCESS', outboxId }]);
  ctx.log.notice('HubSpot company restored: customer relinked', { customerId: customer.id, companyId });
  return processed();
}

/**
 * `company.merge`: a customer linked to a merged-away company follows it to the primary and is
 * re-synced as a first sync (its bases were agreed with the old company). A customer already
 * linked to the primary is re-synced too, since the merge may have filled its empty properties.
 * Two customers cannot share a company: the one that loses its company is flagged NEEDS_ATTENTION,
 * left alone by the sync and reported at ERROR for a person to link by hand.
 */
export async function applyCompanyMerge(ctx: InboundContext): Promise<EventOutcome> {
  const { event } = ctx;
  const primary = String(event.primaryObjectId ?? event.objectId);
  const mergedAway = [...new Set([event.objectId, ...(event.mergedObjectIds ?? [])].map(String))].filter((id) => id !== primary);
  const customers = await lockCustomersLinkedTo(ctx.tx, [primary, ...mergedAway]);
  if (customers.length === 0) return ignored('UNKNOWN_COMPANY', `no customer is linked to ${[primary, ...mergedAway].join(', ')}`);

  let primaryHolder = customers.find((c) => c.hubspot_company_id === primary);
  for (const customer of customers.filter((c) => c !== primaryHolder)) {
    const oldCompanyId = customer.hubspot_company_id;
    if (primaryHolder) {
      // Kept on the merged-away id, so the status and the log show both companies.
      await setCustomerLink(ctx.tx, customer.id, { status: 'NEEDS_ATTENTION' }, ctx.now);
      await logForEvent(ctx, [
        {
          customerId: customer.id,
          companyId: oldCompanyId,
          direction: 'NONE',
          operation: 'UNLINK',
          status: 'FAILED',
          errorCode: 'MERGED_INTO_LINKED_COMPANY',
          errorMessage: `company ${oldCompanyId} was merged into ${primary}, which is linked to customer ${primaryHolder.id}`,
        },
      ]);
      ctx.log.error('HubSpot merge joined the companies of two customers: a person must link one of them to another company', {
        customerId: customer.id,
        primaryCustomerId: primaryHolder.id,
        companyId: primary,
        mergedCompanyId: oldCompanyId,
      });
      continue;
    }
    await setCustomerLink(ctx.tx, customer.id, { status: 'LINKED', companyId: primary }, ctx.now);
    await forgetFieldStates(ctx.tx, customer.id);
    const outboxId = await requestResync(ctx, customer.id);
    await logForEvent(ctx, [
      {
        customerId: customer.id,
        companyId: primary,
        direction: 'NONE',
        operation: 'RELINK',
        status: 'SUCCESS',
        fields: { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: oldCompanyId, new: primary } },
        outboxId,
      },
    ]);
    ctx.log.notice('customer relinked to the surviving company of a HubSpot merge', {
      customerId: customer.id,
      from: oldCompanyId,
      to: primary,
    });
    primaryHolder = customer;
  }
  const original = customers.find((c) => c.hubspot_company_id === primary);
  if (original) await requestResync(ctx, original.id);
  return processed();
}

/**
 * `company.creation`: a company created in HubSpot carrying the BAN of an unlinked customer is
 * linked to it (and synced as a first sync); any other company is recorded as unlinked and never
 * turned into a customer. A customer whose company was deleted counts as unlinked: that company
 * is gone for the sync (deletion) or is linked elsewhere (merge), so a new company with its BAN
 * replaces it. Companies our own sync created are linked by the outbound worker.
 * `company` is the company as read from HubSpot (null: not there any more).
 */
export async function applyCompanyCreation(ctx: InboundContext, company: CompanyRecord | null | undefined): Promise<EventOutcome> {
  const companyId = String(ctx.event.objectId);
  if (isOwnChange(ctx.event)) return ignored('OWN_CREATION', 'created by this app; the outbound sync links it');
  const [linked] = await lockCustomersLinkedTo(ctx.tx, [companyId]);
  if (linked) return processed();
  if (!company) return ignored('COMPANY_NOT_FOUND', `company ${companyId} is not in HubSpot any more`);
  const ban = companyBan(company);
  if (!ban) return ignored('UNLINKED_COMPANY', 'no warp_ban: not a WARP customer');
  const customer = await lockCustomerByBan(ctx.tx, ban);
  if (!customer) return ignored('UNLINKED_COMPANY', `no customer has BAN ${ban}`);
  const previous = customer.hubspot_company_id;
  if (previous !== null && customer.hubspot_link_status !== 'DELETED') {
    ctx.log.warn('HubSpot company carries the BAN of a customer linked elsewhere', {
      customerId: customer.id,
      companyId,
      linkedTo: previous,
    });
    return ignored('CUSTOMER_ALREADY_LINKED', `customer ${customer.id} is linked to company ${previous}`);
  }
  await setCustomerLink(ctx.tx, customer.id, { status: 'LINKED', companyId }, ctx.now);
  await forgetFieldStates(ctx.tx, customer.id);
  const outboxId = await requestResync(ctx, customer.id);
  await logForEvent(ctx, [
    {
      customerId: customer.id,
      companyId,
      direction: 'NONE',
      operation: previous === null ? 'LINK_COMPANY' : 'RELINK',
      status: 'SUCCESS',
      fields: { hubspot_company_id: { hubspotProperty: 'hs_object_id', old: previous, new: companyId } },
      outboxId,
    },
  ]);
  ctx.log.notice('HubSpot company linked to the customer whose BAN it carries', { customerId: customer.id, companyId, replaces: previous });
  return processed();
}
