import type { Selectable } from 'kysely';
import type { CustomersTable } from '../db/tables/customers.js';
import { JsonDecimal } from '../http/json-text.js';
import { HUBSPOT_LINK_KEY } from './hubspot-link.js';

export type CustomerRow = Selectable<CustomersTable>;

/**
 * A row shaped as the contract's Customer. Money goes out as JSON numbers built
 * from pg's exact NUMERIC text (JsonDecimal), never through a float. Optional
 * fields without a value are left out. `version` is an addition to the contract.
 */
export function customerView(row: CustomerRow): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: row.id,
    ban: row.ban,
    company_name: row.company_name,
    status: row.status,
    customer_type: row.customer_type,
    contact: row.contact,
    address: row.address,
    services: row.services,
    external_ids: externalIdsView(row),
    current_balance: new JsonDecimal(row.current_balance),
    prepaid_balance: new JsonDecimal(row.prepaid_balance),
    payment_terms: row.payment_terms,
    billing_cycle: row.billing_cycle,
    currency: row.currency,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
  const optional = {
    legal_name: row.legal_name,
    kyc_data: row.kyc_data,
    business_info: row.business_info,
    custom_fields: row.custom_fields,
    credit_limit: row.credit_limit === null ? null : new JsonDecimal(row.credit_limit),
    created_by: row.created_by,
    updated_by: row.updated_by,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== null) view[key] = value;
  return view;
}

/** The stored ids plus the HubSpot link, which comes from its column only (the column is the truth). */
function externalIdsView(row: Pick<CustomerRow, 'external_ids' | 'hubspot_company_id'>): Record<string, unknown> {
  const { [HUBSPOT_LINK_KEY]: _stale, ...ids } = row.external_ids;
  return row.hubspot_company_id === null ? ids : { ...ids, [HUBSPOT_LINK_KEY]: row.hubspot_company_id };
}

/** Strong validator from id + version: every write bumps version, so it changes with the content. */
export function customerEtag(row: Pick<CustomerRow, 'id' | 'version'>): string {
  return `"${row.version}-${row.id}"`;
}

/** An entity-tag (RFC 9110 8.8.3): optional weakness prefix, then a quoted opaque tag. */
const ENTITY_TAG = /(W\/)?("[^"]*")/g;

/**
 * If-Match (RFC 9110 13.1.1): `*` matches any current representation (the caller has
 * already found the customer); otherwise one of the listed tags must match by STRONG
 * comparison, so a weak `W/` tag never matches and the write is refused with 412.
 */
export function ifMatchSatisfied(ifMatch: string, etag: string): boolean {
  if (ifMatch.trim() === '*') return true;
  for (const [, weak, tag] of ifMatch.matchAll(ENTITY_TAG)) if (!weak && tag === etag) return true;
  return false;
}
