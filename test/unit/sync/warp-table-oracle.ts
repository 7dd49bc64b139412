import type { z } from 'zod';
import { addressSchema, contactSchema, createCustomerSchema } from '../../../shared/customers/schemas.js';
import type { WarpValue } from '../../../shared/sync/transforms.js';

/**
 * Whether WARP can hold `value` (WARP form) in `warpField`, written independently of the sync
 * code's limits: the CHECKs and types of sql/0001_customers.sql mirrored by hand, and the customer
 * API's own schemas (the contract clients write back through; the only rules the JSONB parts have).
 * Fields the API does not let anyone write (ban, balances, external ids) are never sync targets.
 */
export function warpTableAccepts(warpField: string, value: WarpValue): boolean {
  const [column = '', part] = warpField.split('.');
  const sqlCheck = part === undefined ? SQL_CHECKS[column] : jsonbPart;
  return sqlCheck !== undefined && sqlCheck(value) && apiAccepts(column, part, value);
}

/** PostgreSQL's length() counts characters (code points); btrim() strips spaces only. */
const chars = (text: string) => Array.from(text).length;
const btrim = (text: string) => text.replace(/^ +| +$/g, '');
const oneOf =
  (...values: string[]) =>
  (v: WarpValue) =>
    typeof v === 'string' && values.includes(v);

/** NUMERIC(12,2) without rounding: at most 10 integer digits and 2 decimals. */
const numeric12x2 = (v: WarpValue) => {
  const match = typeof v === 'string' ? /^-?(\d+)(?:\.\d{1,2})?$/.exec(v) : null;
  return match !== null && (match[1] ?? '').replace(/^0+/, '').length <= 10;
};

const SQL_CHECKS: Record<string, (v: WarpValue) => boolean> = {
  company_name: (v) => typeof v === 'string' && chars(btrim(v)) >= 1 && chars(btrim(v)) <= 255,
  legal_name: (v) => v === null || (typeof v === 'string' && chars(v) <= 255),
  status: oneOf('ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED'),
  customer_type: oneOf('PREPAID', 'POSTPAID', 'RESELLER'),
  billing_cycle: oneOf('WEEKLY', 'MONTHLY', 'QUARTERLY', 'ANNUAL'),
  credit_limit: (v) => v === null || (numeric12x2(v) && !/^-(?!0*\.?0*$)/.test(String(v))),
  current_balance: numeric12x2,
  prepaid_balance: numeric12x2,
  payment_terms: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 365,
};

/** Inside a jsonb object the table accepts any JSON; the sync only ever puts text or null there. */
const jsonbPart = (v: WarpValue) => v === null || typeof v === 'string';

const API_SHAPES: Record<string, Record<string, z.ZodType | undefined> | undefined> = {
  contact: contactSchema.shape,
  address: addressSchema.shape,
};

function apiAccepts(column: string, part: string | undefined, value: WarpValue): boolean {
  const columns: Record<string, z.ZodType | undefined> = createCustomerSchema.shape;
  const schema = part === undefined ? columns[column] : API_SHAPES[column]?.[part];
  return schema !== undefined && schema.safeParse(value).success;
}
