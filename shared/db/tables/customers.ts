import type { ColumnType, Generated } from 'kysely';

export type CustomerStatus = 'ACTIVE' | 'SUSPENDED' | 'TRIAL' | 'CLOSED';
export type CustomerType = 'PREPAID' | 'POSTPAID' | 'RESELLER';
export type BillingCycle = 'WEEKLY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUAL';
/** NEEDS_ATTENTION: not linked, because the company HubSpot matched is linked to another customer. */
export type HubspotLinkStatus = 'UNLINKED' | 'LINKED' | 'DELETED' | 'NEEDS_ATTENTION' | 'DETACHED';
export type JsonObject = { [key: string]: unknown };

/** NUMERIC(12,2) comes back from pg as an exact decimal string; it is written as one too. */
export type Money = ColumnType<string, string, string>;

export interface CustomersTable {
  id: Generated<string>;
  ban: string;
  company_name: string;
  legal_name: string | null;
  status: Generated<CustomerStatus>;
  customer_type: CustomerType;
  contact: JsonObject;
  address: JsonObject;
  services: Generated<JsonObject>;
  kyc_data: JsonObject | null;
  business_info: JsonObject | null;
  external_ids: Generated<JsonObject>;
  custom_fields: JsonObject | null;
  credit_limit: ColumnType<string | null, string | null, string | null>;
  current_balance: Generated<string>;
  prepaid_balance: Generated<string>;
  payment_terms: Generated<number>;
  billing_cycle: Generated<BillingCycle>;
  currency: Generated<string>;
  hubspot_company_id: string | null;
  hubspot_link_status: Generated<HubspotLinkStatus>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  created_by: string | null;
  updated_by: string | null;
}
