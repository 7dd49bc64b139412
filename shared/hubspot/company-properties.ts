/**
 * The HubSpot company properties WARP Sync owns: one custom group `warp` and
 * the custom properties the sync writes, as property-create payloads so the
 * setup script and the sandbox create exactly what production has.
 */
import {
  PropertyCreateFieldTypeEnum as FieldType,
  PropertyCreateTypeEnum as PropertyType,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import type { PropertyCreate, PropertyGroupCreate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { BILLING_CYCLE_OPTIONS, CUSTOMER_TYPE_OPTIONS, STATUS_OPTIONS } from '../sync/default-mapping.js';

export const WARP_PROPERTY_GROUP: PropertyGroupCreate = { name: 'warp', label: 'WARP', displayOrder: -1 };

/** HubSpot standard company properties the sync reads and writes (they exist in every portal). */
export const STANDARD_COMPANY_PROPERTIES_USED = ['name', 'phone', 'address', 'address2', 'city', 'state', 'zip', 'country'] as const;

type WarpProperty = PropertyCreate & { groupName: 'warp' };

function text(name: string, label: string, description: string, extra: Pick<PropertyCreate, 'hasUniqueValue'> = {}): WarpProperty {
  return { name, label, description, groupName: 'warp', type: PropertyType.String, fieldType: FieldType.Text, formField: false, ...extra };
}

function number(name: string, label: string, description: string): WarpProperty {
  return { name, label, description, groupName: 'warp', type: PropertyType.Number, fieldType: FieldType.Number, formField: false };
}

function select(name: string, label: string, description: string, values: readonly string[]): WarpProperty {
  return {
    name,
    label,
    description,
    groupName: 'warp',
    type: PropertyType.Enumeration,
    fieldType: FieldType.Select,
    formField: false,
    options: values.map((value, index) => ({ value, label: titleCase(value), displayOrder: index, hidden: false })),
  };
}

function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}

/** Option values are the default mapping's HubSpot-side enum values: one source, no drift. */
const optionValues = (spec: { values: Record<string, string> }) => Object.values(spec.values);

export const WARP_COMPANY_PROPERTIES: readonly WarpProperty[] = [
  // Unique so the sync can upsert and read by BAN (`idProperty=warp_ban`) without duplicates.
  text('warp_ban', 'WARP BAN', 'WARP billing account number; unique per company.', { hasUniqueValue: true }),
  text('warp_customer_id', 'WARP customer id', 'WARP internal customer id.'),
  select('warp_status', 'WARP status', 'Account status in WARP.', optionValues(STATUS_OPTIONS)),
  select('warp_customer_type', 'WARP customer type', 'Billing model in WARP.', optionValues(CUSTOMER_TYPE_OPTIONS)),
  select('warp_billing_cycle', 'WARP billing cycle', 'How often WARP bills the account.', optionValues(BILLING_CYCLE_OPTIONS)),
  number('warp_current_balance', 'WARP current balance', 'Balance owed, in dollars with 2 decimals.'),
  number('warp_prepaid_balance', 'WARP prepaid balance', 'Prepaid funds, in dollars with 2 decimals.'),
  number('warp_credit_limit', 'WARP credit limit', 'Credit limit, in dollars with 2 decimals.'),
  number('warp_payment_terms', 'WARP payment terms', 'Net payment terms, in days.'),
  text('warp_legal_name', 'WARP legal name', 'Legal entity name in WARP.'),
  text('warp_contact_email', 'WARP contact email', 'Primary billing contact email in WARP.'),
  text('warp_contact_name', 'WARP contact name', 'Primary billing contact name in WARP.'),
];
