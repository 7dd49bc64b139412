import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import type { PlanCustomerInput } from '../../../shared/sync/plan-customer.js';

export const T0 = new Date('2026-03-01T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** A WARP customer as the customer repository returns it (NUMERIC as text). */
export const acmeCustomer = () => ({
  id: '5f0c2a4e-8d1b-4c4e-9a57-0f6f4b9c1d2e',
  ban: 'AC-123456789',
  company_name: 'Acme Telecom',
  legal_name: 'Acme Telecom LLC',
  status: 'ACTIVE',
  customer_type: 'POSTPAID',
  billing_cycle: 'MONTHLY',
  contact: { name: 'Ada Lovelace', email: 'ops@acme.example', phone: '(212) 555-0100' },
  address: { line1: '1 Main St', line2: null, city: 'Austin', state: 'TX', zip: '78701', country: 'US' },
  external_ids: { hubspot_company_id: '987' },
  credit_limit: '1000.00',
  current_balance: '12.50',
  prepaid_balance: '0.00',
  payment_terms: 30,
});

/** The same customer as HubSpot shows it: different spellings of the same values. */
export const acmeCompany = (): Record<string, string | null> => ({
  hs_object_id: '987',
  warp_ban: 'AC-123456789',
  warp_status: 'ACTIVE',
  warp_customer_type: 'POSTPAID',
  warp_billing_cycle: 'MONTHLY',
  warp_current_balance: '12.5',
  warp_prepaid_balance: '0',
  warp_credit_limit: '1000',
  warp_payment_terms: '30',
  name: 'Acme Telecom ',
  warp_legal_name: 'Acme Telecom LLC',
  warp_contact_email: 'Ops@Acme.example',
  phone: '+1 212 555 0100',
  address: '1 Main St',
  address2: '',
  city: 'Austin',
  state: 'TX',
  zip: '78701',
  country: 'United States',
});

/** Canonical values of the Acme fixture, written out by hand. */
export const ACME_CANONICAL: Record<string, string | null> = {
  ban: 'AC-123456789',
  status: 'ACTIVE',
  current_balance: '12.50',
  prepaid_balance: '0.00',
  customer_type: 'POSTPAID',
  billing_cycle: 'MONTHLY',
  credit_limit: '1000.00',
  payment_terms: '30',
  company_name: 'Acme Telecom',
  legal_name: 'Acme Telecom LLC',
  'contact.email': 'ops@acme.example',
  'contact.phone': '+12125550100',
  'address.line1': '1 Main St',
  'address.line2': null,
  'address.city': 'Austin',
  'address.state': 'TX',
  'address.zip': '78701',
  'address.country': 'US',
};

export const acmeInput = (over: Partial<PlanCustomerInput> = {}): PlanCustomerInput => ({
  mappings: DEFAULT_FIELD_MAPPINGS,
  warp: { customer: acmeCustomer(), changedAt: {} },
  hubspot: { properties: acmeCompany(), changedAt: {} },
  fieldStates: Object.fromEntries(Object.entries(ACME_CANONICAL).map(([field, base]) => [field, { base }])),
  ...over,
});
