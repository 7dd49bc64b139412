/**
 * The WARP customer fields the sync engine may map, as the admin-portal contract defines them.
 * `kind` decides which transforms fit a field; `required` fields are never emptied by the sync
 * (the customer contract demands a value); `syncWritable: false` fields are computed or owned
 * elsewhere in WARP (BAN generator, billing, the company linker), so data never flows into them.
 * `limits` are what the `customers` table (sql/0001_customers.sql) and, for the JSONB parts, the
 * customer API's schemas accept: a value outside them must never be planned as a WARP write, or
 * the CHECK constraint rolls the worker's whole batch back (see warp-value-rules.ts).
 */
export type WarpFieldKind = 'id' | 'text' | 'email' | 'phone' | 'country' | 'money' | 'integer' | 'enum';

export interface NumericLimits {
  /** Decimal places the column keeps: more precision would be rounded, so it is refused. */
  scale: number;
  /** Inclusive bounds as exact decimal text (compared as scaled integers, never floats). */
  min: string;
  max: string;
}

export interface WarpValueLimits {
  /** Most characters, counted in code points as PostgreSQL's length() and the customer API's zod do. */
  maxLength?: number;
  numeric?: NumericLimits;
}

export interface WarpFieldSpec {
  kind: WarpFieldKind;
  required: boolean;
  syncWritable: boolean;
  enumValues?: readonly string[];
  limits: WarpValueLimits;
}

export const CUSTOMER_STATUSES = ['ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED'] as const;
export const CUSTOMER_TYPES = ['PREPAID', 'POSTPAID', 'RESELLER'] as const;
export const BILLING_CYCLES = ['WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL'] as const;

/** NUMERIC(precision, scale) holds |value| < 10^(precision - scale): "9999999999.99" for (12,2). */
function numeric(precision: number, scale: number): NumericLimits {
  const max = `${'9'.repeat(precision - scale)}.${'9'.repeat(scale)}`;
  return { scale, min: `-${max}`, max };
}

const MONEY = numeric(12, 2);

const field = (kind: WarpFieldKind, required: boolean, limits: WarpValueLimits, syncWritable = true): WarpFieldSpec => ({
  kind,
  required,
  syncWritable,
  limits,
});
const enumField = (values: readonly string[], syncWritable: boolean): WarpFieldSpec => ({
  kind: 'enum',
  required: true,
  syncWritable,
  enumValues: values,
  limits: {},
});
const text = (kind: WarpFieldKind, required: boolean, maxLength: number) => field(kind, required, { maxLength });

export const WARP_FIELDS: Readonly<Record<string, WarpFieldSpec>> = {
  ban: field('id', true, {}, false),
  status: enumField(CUSTOMER_STATUSES, true),
  customer_type: enumField(CUSTOMER_TYPES, false),
  billing_cycle: enumField(BILLING_CYCLES, true),
  current_balance: field('money', true, { numeric: MONEY }, false),
  prepaid_balance: field('money', true, { numeric: MONEY }, false),
  credit_limit: field('money', false, { numeric: { ...MONEY, min: '0.00' } }),
  payment_terms: field('integer', true, { numeric: { scale: 0, min: '0', max: '365' } }),
  company_name: text('text', true, 255),
  legal_name: text('text', false, 255),
  // JSONB parts: the table only demands objects; these are shared/customers/schemas.ts limits.
  'contact.name': text('text', true, 255),
  'contact.email': text('email', true, 320),
  'contact.phone': text('phone', true, 50),
  'address.line1': text('text', true, 255),
  'address.line2': text('text', false, 255),
  'address.city': text('text', true, 100),
  'address.state': text('text', true, 100),
  'address.zip': text('text', true, 20),
  'address.country': text('country', true, 100),
  'external_ids.hubspot_company_id': field('id', false, { maxLength: 255 }, false),
};

/** The spec of a mappable WARP field, or undefined (own keys only: `constructor` is no field). */
export function warpFieldSpec(warpField: string): WarpFieldSpec | undefined {
  return Object.hasOwn(WARP_FIELDS, warpField) ? WARP_FIELDS[warpField] : undefined;
}
