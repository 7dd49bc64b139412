/**
 * The WARP customer fields the sync engine may map, as the admin-portal contract defines them.
 * `kind` decides which transforms fit a field; `required` fields are never emptied by the sync
 * (the customer contract demands a value); `syncWritable: false` fields are computed or owned
 * elsewhere in WARP (BAN generator, billing, the company linker), so data never flows into them.
 */
export type WarpFieldKind = 'id' | 'text' | 'email' | 'phone' | 'country' | 'money' | 'integer' | 'enum';

export interface WarpFieldSpec {
  kind: WarpFieldKind;
  required: boolean;
  syncWritable: boolean;
  enumValues?: readonly string[];
}

export const CUSTOMER_STATUSES = ['ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED'] as const;
export const CUSTOMER_TYPES = ['PREPAID', 'POSTPAID', 'RESELLER'] as const;
export const BILLING_CYCLES = ['WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL'] as const;

const field = (kind: WarpFieldKind, required: boolean, syncWritable = true): WarpFieldSpec => ({
  kind,
  required,
  syncWritable,
});
const enumField = (values: readonly string[], syncWritable: boolean): WarpFieldSpec => ({
  kind: 'enum',
  required: true,
  syncWritable,
  enumValues: values,
});

export const WARP_FIELDS: Readonly<Record<string, WarpFieldSpec>> = {
  ban: field('id', true, false),
  status: enumField(CUSTOMER_STATUSES, true),
  customer_type: enumField(CUSTOMER_TYPES, false),
  billing_cycle: enumField(BILLING_CYCLES, true),
  current_balance: field('money', true, false),
  prepaid_balance: field('money', true, false),
  credit_limit: field('money', false),
  payment_terms: field('integer', true),
  company_name: field('text', true),
  legal_name: field('text', false),
  'contact.name': field('text', true),
  'contact.email': field('email', true),
  'contact.phone': field('phone', true),
  'address.line1': field('text', true),
  'address.line2': field('text', false),
  'address.city': field('text', true),
  'address.state': field('text', true),
  'address.zip': field('text', true),
  'address.country': field('country', true),
  'external_ids.hubspot_company_id': field('id', false, false),
};

/** The spec of a mappable WARP field, or undefined (own keys only: `constructor` is no field). */
export function warpFieldSpec(warpField: string): WarpFieldSpec | undefined {
  return Object.hasOwn(WARP_FIELDS, warpField) ? WARP_FIELDS[warpField] : undefined;
}
