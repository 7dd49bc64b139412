import type { Selectable } from 'kysely';
import type { CustomersTable } from '../db/tables/customers.js';
import { JsonDecimal } from '../http/json-text.js';

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
    external_ids: row.hubspot_company_id
      ? { ...row.external_ids, hubspot_company_id: row.hubspot_company_id }
      : row.external_ids,
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

/** Strong validator from id + version: every write bumps version, so it changes with the content. */
export function customerEtag(row: Pick<CustomerRow, 'id' | 'version'>): string {
  return `"${row.version}-${row.id}"`;
}

/** If-Match: `*`, or a comma list of entity tags (a W/ prefix is tolerated). */
export function ifMatchSatisfied(ifMatch: string, etag: string): boolean {
  return ifMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
