import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addressSchema, contactSchema } from '../../../shared/customers/schemas.js';
import { WARP_FIELDS, warpFieldSpec } from '../../../shared/sync/warp-fields.js';
import { whyWarpRejects } from '../../../shared/sync/warp-value-rules.js';

const SQL = readFileSync(new URL('../../../sql/0001_customers.sql', import.meta.url), 'utf8');

/** The column's definition in the migration: its line and the deeper-indented lines continuing it. */
const columnLine = (column: string) => {
  const found = new RegExp(`\\n  ${column}\\s[^\\n]*(?:\\n {4,}[^\\n]*)*`).exec(SQL);
  if (!found) throw new Error(`no column ${column} in the migration`);
  return found[0];
};

/** Largest NUMERIC(precision, scale) value, computed independently of the production helper. */
const numericMax = (precision: number, scale: number) => {
  const digits = (10n ** BigInt(precision) - 1n).toString();
  return `${digits.slice(0, precision - scale)}.${digits.slice(precision - scale)}`;
};

describe('WARP_FIELDS limits follow sql/0001_customers.sql', () => {
  it.each(['credit_limit', 'current_balance', 'prepaid_balance'])('%s: NUMERIC precision, scale and sign', (column) => {
    const line = columnLine(column);
    const [, precision, scale] = /numeric\((\d+),(\d+)\)/.exec(line) ?? [];
    const max = numericMax(Number(precision), Number(scale));
    const nonNegative = new RegExp(`${column} >= 0`).test(line);
    expect(warpFieldSpec(column)?.limits.numeric).toEqual({
      scale: Number(scale),
      min: nonNegative ? `0.${'0'.repeat(Number(scale))}` : `-${max}`,
      max,
    });
  });

  it('payment_terms: integer range', () => {
    const [, min, max] = /BETWEEN (\d+) AND (\d+)/.exec(columnLine('payment_terms')) ?? [];
    expect(warpFieldSpec('payment_terms')?.limits.numeric).toEqual({ scale: 0, min, max });
  });

  it.each(['company_name', 'legal_name'])('%s: length', (column) => {
    const [, max] = /(?:BETWEEN 1 AND|<=) (\d+)/.exec(columnLine(column)) ?? [];
    expect(warpFieldSpec(column)?.limits.maxLength).toBe(Number(max));
  });

  it.each(['status', 'customer_type', 'billing_cycle'])('%s: enum values', (column) => {
    const [, list = ''] = /IN \(([^)]*)\)/.exec(columnLine(column)) ?? [];
    expect(warpFieldSpec(column)?.enumValues).toEqual(list.split(',').map((v) => v.trim().replace(/'/g, '')));
  });
});

describe('WARP_FIELDS limits of the JSONB parts follow the customer API schemas', () => {
  const SCHEMAS = { contact: contactSchema.shape, address: addressSchema.shape } as const;
  const sample = (field: string, length: number) =>
    field === 'contact.email' ? `${'a'.repeat(length - 10)}@x.example` : '1'.repeat(length);
  const jsonbFields = Object.keys(WARP_FIELDS).filter((f) => f.startsWith('contact.') || f.startsWith('address.'));

  it.each(jsonbFields)('%s', (field) => {
    const [object, key] = field.split('.') as [keyof typeof SCHEMAS, string];
    const schema = (SCHEMAS[object] as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key];
    const max = warpFieldSpec(field)?.limits.maxLength;
    expect(schema, field).toBeDefined();
    expect(max, field).toBeDefined();
    expect(schema?.safeParse(sample(field, max ?? 0)).success).toBe(true);
    expect(schema?.safeParse(sample(field, (max ?? 0) + 1)).success).toBe(false);
  });
});

describe('whyWarpRejects', () => {
  it.each([
    ['credit_limit', '9999999999.99'],
    ['credit_limit', '0.00'],
    ['payment_terms', '365'],
    ['payment_terms', '0'],
    ['legal_name', null],
  ])('accepts %s = %j, an edge of what the table holds', (field, value) => {
    expect(whyWarpRejects(field, value)).toBeNull();
  });

  it('refuses one cent past the NUMERIC(12,2) range on either side', () => {
    expect(whyWarpRejects('credit_limit', '10000000000.00')).toBe('credit_limit 10000000000.00 is above the maximum 9999999999.99');
    expect(whyWarpRejects('credit_limit', '-0.01')).toBe('credit_limit -0.01 is below the minimum 0.00');
  });

  it('says nothing about fields it does not know (the mapping validation refuses them)', () => {
    expect(whyWarpRejects('no_such_field', 'x'.repeat(1000))).toBeNull();
  });
});
