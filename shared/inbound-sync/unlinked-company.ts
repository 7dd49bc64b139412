import type { DbOrTx } from '../db/database.js';
import type { CompanyRecord, HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import { isOwnIntegrationChange } from '../sync/hubspot-history.js';
import type { HubspotWebhookEvent } from '../webhooks/event-schema.js';
import { ignored, type EventOutcome } from './event-outcome.js';
import type { InboundContext } from './inbound-context.js';

/** The event reports a change this app made (our own write or creation, echoed back). */
export function isOwnChange(event: HubspotWebhookEvent): boolean {
  return (
    event.appId !== undefined &&
    isOwnIntegrationChange({ sourceType: event.changeSource ?? '', sourceId: event.sourceId ?? null }, event.appId)
  );
}

/** The company's BAN as WARP writes it, or undefined when it carries none. */
export function companyBan(company: CompanyRecord): string | undefined {
  return company.properties.warp_ban?.trim().toUpperCase() || undefined;
}

const MAY_LINK_BY_BAN = new Set<string>(['company.creation', 'company.propertyChange']);

/**
 * An event about a company no customer is linked to may still be about one of ours: a company
 * a person created with a customer's BAN, or one our first sync is linking right now (its
 * transaction not committed yet). Its `warp_ban` tells, so the company is read through the
 * HubSpot adapter, before the event's transaction (no locks held over a network call). Only
 * on that rare path: a linked company, or a change this app made, needs no read (undefined).
 * null: HubSpot does not have the company any more.
 */
export async function readUnlinkedCompany(
  db: DbOrTx,
  companies: Pick<HubspotCompanies, 'getCompany'>,
  event: HubspotWebhookEvent,
): Promise<CompanyRecord | null | undefined> {
  if (!MAY_LINK_BY_BAN.has(event.subscriptionType) || isOwnChange(event)) return undefined;
  const companyId = String(event.objectId);
  const linked = await db.selectFrom('customers').select('id').where('hubspot_company_id', '=', companyId).executeTakeFirst();
  return linked ? undefined : companies.getCompany(companyId, ['warp_ban']);
}

/** Thrown so Pub/Sub redelivers the event once the link it waits for has committed. */
export class CompanyLinkPendingError extends Error {
  override name = 'CompanyLinkPendingError';
}

/**
 * A property change of a company no customer is linked to. When the company carries the BAN
 * of a customer that has no company yet, the customer is being linked (the outbound worker's
 * first sync, still in its transaction): the event is retried rather than lost, until the
 * attempt limit, whose last attempt ignores it like any unknown company's. A person's edit in
 * that window would otherwise wait for reconciliation.
 */
export async function unknownCompanyChange(ctx: InboundContext, company: CompanyRecord | null | undefined): Promise<EventOutcome> {
  const companyId = String(ctx.event.objectId);
  const unknown = ignored('UNKNOWN_COMPANY', `no customer is linked to company ${companyId}`);
  const ban = company ? companyBan(company) : undefined;
  if (!ban) return unknown;
  const customer = await ctx.tx.selectFrom('customers').select(['id', 'hubspot_company_id']).where('ban', '=', ban).executeTakeFirst();
  if (!customer || customer.hubspot_company_id !== null) return unknown;
  if (ctx.lastAttempt) {
    ctx.log.warn('company carries the BAN of a customer that was never linked to it; change ignored', {
      customerId: customer.id,
      companyId,
      ban,
    });
    return ignored('UNKNOWN_COMPANY', `company ${companyId} carries the BAN of customer ${customer.id}, which is still not linked to it`);
  }
  throw new CompanyLinkPendingError(
    `company ${companyId} carries the BAN of customer ${customer.id}, which has no company yet; retried once the link commits`,
  );
}
