import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateBan } from '../../../shared/customers/ban.js';
import { moneyInput } from '../../../shared/customers/money.js';
import { JsonDecimal, stringifyJson } from '../../../shared/http/json-text.js';

describe('moneyInput', () => {
  it.each([
    [0, '0.00'],
    [1500.5, '1500.50'],
    [0.1, '0.10'],
    [9999999999.99, '9999999999.99'],
    ['12.3', '12.30'],
    ['7', '7.00'],
  ])('accepts %s as %s', (input, text) => {
    expect(moneyInput.parse(input)).toBe(text);
  });
  it.each([[10.005], [-1], [1e21], [10000000000], ['1e3'], ['1,000'], [''], [Number.NaN]])('refuses %s', (input) => {
    expect(moneyInput.safeParse(input).success).toBe(false);
  });
  it('round-trips every cent amount exactly through the JSON output', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999n }), (cents) => {
        const text = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
        expect(moneyInput.parse(Number(text))).toBe(text);
        expect(stringifyJson({ v: new JsonDecimal(text) })).toBe(`{"v":${text}}`);
      }),
    );
  });
  it('does not turn a client string that looks like a marker into a number', () => {
    expect(stringifyJson({ a: '\u0000dec:12', b: new JsonDecimal('1.50') })).toBe('{"a":"\\u0000dec:12","b":1.50}');
  });
});

describe('generateBan', () => {
  it('draws two letters, a dash and nine digits', () => {
    expect(generateBan()).toMatch(/^[A-Z]{2}-\d{9}$/);
    expect(generateBan((max) => (max === 26 ? 25 : 42))).toBe('ZZ-000000042');
  });
});
