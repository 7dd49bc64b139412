import type { ConflictRule, Direction, FieldMapping } from './field-mapping.js';
import type { TransformSpec } from './transforms.js';
import { BILLING_CYCLES, CUSTOMER_STATUSES, CUSTOMER_TYPES } from './warp-fields.js';

/**
 * The global mapping a migration seeds into `hubspot_sync_config` (customer_id NULL). Enum option
 * values here must match the options `hubspot:setup` creates on the custom properties.
 */
const row = (
  warpField: string,
  hubspotProperty: string,
  direction: Direction,
  conflictRule: ConflictRule,
  transform: TransformSpec,
): FieldMapping => ({ warpField, hubspotProperty, direction, conflictRule, transform });

const toHubspot = (warpField: string, hubspotProperty: string, transform: TransformSpec) =>
  row(warpField, hubspotProperty, 'WARP_TO_HUBSPOT', 'WARP_WINS', transform);
const fromHubspot = (warpField: string, hubspotProperty: string, transform: TransformSpec) =>
  row(warpField, hubspotProperty, 'HUBSPOT_TO_WARP', 'HUBSPOT_WINS', transform);
const both = (warpField: string, hubspotProperty: string, transform: TransformSpec = { name: 'text' }) =>
  row(warpField, hubspotProperty, 'BIDIRECTIONAL', 'LATEST_WINS', transform);

/** HubSpot option values equal WARP's enum values (labels differ); hubspot:setup creates them from here. */
const sameOptions = (values: readonly string[]) => ({ name: 'enum', values: Object.fromEntries(values.map((v) => [v, v])) }) as const;

export const STATUS_OPTIONS = sameOptions(CUSTOMER_STATUSES);
export const CUSTOMER_TYPE_OPTIONS = sameOptions(CUSTOMER_TYPES);
export const BILLING_CYCLE_OPTIONS = sameOptions(BILLING_CYCLES);

export const DEFAULT_FIELD_MAPPINGS: readonly FieldMapping[] = [
  toHubspot('ban', 'warp_ban', { name: 'text' }),
  toHubspot('status', 'warp_status', STATUS_OPTIONS),
  toHubspot('current_balance', 'warp_current_balance', { name: 'money' }),
  toHubspot('prepaid_balance', 'warp_prepaid_balance', { name: 'money' }),
  toHubspot('customer_type', 'warp_customer_type', CUSTOMER_TYPE_OPTIONS),
  toHubspot('billing_cycle', 'warp_billing_cycle', BILLING_CYCLE_OPTIONS),
  fromHubspot('credit_limit', 'warp_credit_limit', { name: 'money' }),
  fromHubspot('payment_terms', 'warp_payment_terms', { name: 'integer' }),
  both('company_name', 'name'),
  both('legal_name', 'warp_legal_name'),
  both('contact.email', 'warp_contact_email', { name: 'email' }),
  both('contact.phone', 'phone', { name: 'phone' }),
  both('address.line1', 'address'),
  both('address.line2', 'address2'),
  both('address.city', 'city'),
  both('address.state', 'state'),
  both('address.zip', 'zip'),
  both('address.country', 'country', { name: 'country' }),
  row('external_ids.hubspot_company_id', 'hs_object_id', 'NONE', 'WARP_WINS', { name: 'identity' }),
];
