import { describe, expect, it } from 'vitest';
import { formatScaled, parseScaled, trustedNumberText } from '../../../shared/sync/decimal.js';
import { transformFor, type TransformResult, type TransformSpec } from '../../../shared/sync/transforms.js';

const value = (result: TransformResult) => (result.ok ? result.value : `ERROR:${result.error.code}`);
const STATUS: TransformSpec = { name: 'enum', values: { ACTIVE: 'active', CLOSED: 'closed' } };

describe('decimal helpers', () => {
  it.each([
    ['1234.5', 2, 123450n],
    ['-0.10', 2, -10n],
    ['.5', 2, 50n],
    ['12.', 2, 1200n],
    ['1.230', 2, 123n],
    ['+7', 0, 7n],
    ['999999999999999999.99', 2, 99999999999999999999n],
  ])('parseScaled(%s, %i) = %s', (text, scale, units) => {
    expect(parseScaled(text, scale)).toBe(units);
  });

  it.each(['abc', '', '.', '1.234', '1e3', '1,000.00', '--1', '1.2.3', ' 1'])('parseScaled rejects %j', (text) => {
    expect(parseScaled(text, 2)).toBeNull();
  });

  it('formats without float drift and never as -0', () => {
    expect(formatScaled(5n, 2)).toBe('0.05');
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(-0n, 2)).toBe('0.00');
    expect(formatScaled(123n, 0)).toBe('123');
  });

  it('adds exactly where binary floats do not', () => {
    const sum = (parseScaled('0.10', 2) ?? 0n) + (parseScaled('0.20', 2) ?? 0n);
    expect(formatScaled(sum, 2)).toBe('0.30');
  });

  it('trusts a JS number only up to 15 significant digits', () => {
    expect(trustedNumberText(1234.5)).toBe('1234.5');
    expect(trustedNumberText(999999999999.99)).toBe('999999999999.99');
    expect(trustedNumberText(0.1 + 0.2)).toBeNull();
    expect(trustedNumberText(1e21)).toBeNull();
    expect(trustedNumberText(Number.NaN)).toBeNull();
  });
});

describe('money', () => {
  const money = transformFor({ name: 'money' });

  it.each([
    ['1234.50', '1234.50'],
    ['1234.5', '1234.50'],
    [1234.5, '1234.50'],
    ['12.5', '12.50'],
    ['0', '0.00'],
    ['-0.00', '0.00'],
    [-3.1, '-3.10'],
    ['1000000000000000.01', '1000000000000000.01'],
    ['123456789012345678.99', '123456789012345678.99'],
  ])('WARP %j -> %j', (input, canonical) => {
    expect(value(money.fromWarp(input))).toBe(canonical);
  });

  it('reads HubSpot number strings to the same canonical value ("12.5" equals "12.50")', () => {
    expect(value(money.fromHubspot('12.5'))).toBe(value(money.fromWarp('12.50')));
    expect(value(money.fromHubspot('1000000000000000.10'))).toBe('1000000000000000.10');
  });

  it.each(['abc', '1.234', '1e5', '$12.00', '1,200.00', true, {}])('rejects %j with an error result', (input) => {
    expect(value(money.fromWarp(input))).toBe('ERROR:INVALID_VALUE');
  });

  it('rejects numbers that already lost precision instead of rounding them', () => {
    expect(value(money.fromWarp(0.1 + 0.2))).toBe('ERROR:INVALID_VALUE');
    expect(value(money.fromWarp(1e16 + 0.5))).toBe('ERROR:INVALID_VALUE');
  });

  it('treats null, undefined and blank as no value, and writes "" to clear HubSpot', () => {
    expect(value(money.fromWarp(null))).toBeNull();
    expect(value(money.fromHubspot(undefined))).toBeNull();
    expect(value(money.fromHubspot('  '))).toBeNull();
    expect(money.toHubspot(null)).toBe('');
    expect(money.toWarp(null)).toBeNull();
  });

  it('writes exact text to both sides', () => {
    expect(money.toWarp('12.30')).toBe('12.30');
    expect(money.toHubspot('12.30')).toBe('12.30');
  });
});

describe('money_cents', () => {
  const cents = transformFor({ name: 'money_cents' });

  it.each([
    ['123450', '1234.50'],
    ['5', '0.05'],
    ['-99', '-0.99'],
    ['100000000000000001', '1000000000000000.01'],
    ['42.0', '0.42'],
  ])('HubSpot cents %j -> dollars %j', (input, canonical) => {
    expect(value(cents.fromHubspot(input))).toBe(canonical);
  });

  it('round-trips dollars through cents exactly', () => {
    for (const dollars of ['0.01', '12.30', '-7.05', '99999999999999.99']) {
      const hubspot = cents.toHubspot(dollars);
      expect(value(cents.fromHubspot(hubspot))).toBe(dollars);
    }
    expect(cents.toHubspot('1234.50')).toBe('123450');
    expect(cents.toHubspot('0.05')).toBe('5');
  });

  it('rejects fractional cents from HubSpot', () => {
    expect(value(cents.fromHubspot('12.5'))).toBe('ERROR:INVALID_VALUE');
  });

  it('reads WARP dollars like money', () => {
    expect(value(cents.fromWarp(12.3))).toBe('12.30');
  });
});

describe('integer', () => {
  const integer = transformFor({ name: 'integer' });

  it('reads both sides into one canonical text and writes a number to WARP', () => {
    expect(value(integer.fromWarp(30))).toBe('30');
    expect(value(integer.fromHubspot('30'))).toBe('30');
    expect(value(integer.fromHubspot('30.0'))).toBe('30');
    expect(integer.toWarp('30')).toBe(30);
    expect(integer.toHubspot('30')).toBe('30');
  });

  it.each(['30.5', 'thirty', 30.5, '9007199254740993'])('rejects %j', (input) => {
    expect(value(integer.fromHubspot(input as string))).toBe('ERROR:INVALID_VALUE');
  });
});

describe('text, identity and empty values', () => {
  const text = transformFor({ name: 'text' });
  const identity = transformFor({ name: 'identity' });

  it('trims, and empty string, blank, null and undefined are all null', () => {
    expect(value(text.fromWarp('  Acme Corp '))).toBe('Acme Corp');
    for (const empty of ['', '   ', null, undefined]) {
      expect(value(text.fromWarp(empty))).toBeNull();
      expect(value(text.fromHubspot(empty))).toBeNull();
    }
    expect(text.toHubspot(null)).toBe('');
    expect(text.toWarp(null)).toBeNull();
  });

  it('rejects non-text WARP values', () => {
    expect(value(text.fromWarp(42))).toBe('ERROR:INVALID_VALUE');
  });

  it('identity keeps inner text as is but still treats blank as null', () => {
    expect(value(identity.fromHubspot(' 1234 '))).toBe(' 1234 ');
    expect(value(identity.fromHubspot(''))).toBeNull();
  });
});

describe('email', () => {
  const email = transformFor({ name: 'email' });

  it('trims and lower-cases so case differences are not changes', () => {
    expect(value(email.fromHubspot('  Billing@Example.COM '))).toBe('billing@example.com');
    expect(value(email.fromWarp('billing@example.com'))).toBe('billing@example.com');
  });

  it.each(['not-an-email', 'a@b', 'two words@example.com'])('rejects %j', (input) => {
    expect(value(email.fromWarp(input))).toBe('ERROR:INVALID_VALUE');
  });
});

describe('phone', () => {
  const phone = transformFor({ name: 'phone' });

  it.each([
    ['(212) 555-0100', '+12125550100'],
    ['212.555.0100', '+12125550100'],
    ['212 555 0100', '+12125550100'],
    ['1-212-555-0100', '+12125550100'],
    ['+1 (212) 555-0100', '+12125550100'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+49-30-123456', '+4930123456'],
    ['4930123456789', '4930123456789'],
  ])('%j -> %j', (input, canonical) => {
    expect(value(phone.fromWarp(input))).toBe(canonical);
  });

  it('compares equal when the normalised numbers are equal', () => {
    expect(value(phone.fromWarp('(212) 555-0100'))).toBe(value(phone.fromHubspot('+1 212-555-0100')));
  });

  it('is idempotent: a canonical number normalises to itself', () => {
    for (const canonical of ['+12125550100', '4930123456789', '+4930123456']) {
      expect(value(phone.fromHubspot(canonical))).toBe(canonical);
    }
  });

  it.each(['212-555-0100 ext 7', '555-01', '+', '12345678901234567', 'call me'])('rejects %j', (input) => {
    expect(value(phone.fromWarp(input))).toBe('ERROR:INVALID_VALUE');
  });
});

describe('country', () => {
  const country = transformFor({ name: 'country' });

  it.each([
    ['US', 'US'],
    ['us', 'US'],
    [' de ', 'DE'],
    ['United States', 'US'],
    ['united  states of america', 'US'],
    ['USA', 'US'],
    ['UK', 'GB'],
    ['Canada', 'CA'],
  ])('%j -> %j', (input, canonical) => {
    expect(value(country.fromHubspot(input))).toBe(canonical);
  });

  it.each(['XX', 'Germany', 'EU', 'U'])('rejects %j (not an assigned alpha-2 code or known alias)', (input) => {
    expect(value(country.fromHubspot(input))).toBe('ERROR:INVALID_VALUE');
  });
});

describe('enum', () => {
  const status = transformFor(STATUS);

  it('maps both ways, canonical being the WARP value', () => {
    expect(value(status.fromWarp('ACTIVE'))).toBe('ACTIVE');
    expect(value(status.fromHubspot('active'))).toBe('ACTIVE');
    expect(status.toHubspot('CLOSED')).toBe('closed');
    expect(status.toWarp('CLOSED')).toBe('CLOSED');
    expect(status.toHubspot(null)).toBe('');
  });

  it('reports unmapped values on either side as errors', () => {
    expect(value(status.fromHubspot('ACTIVE'))).toBe('ERROR:UNMAPPED_ENUM_VALUE');
    expect(value(status.fromWarp('TRIAL'))).toBe('ERROR:UNMAPPED_ENUM_VALUE');
    expect(value(status.fromWarp('constructor'))).toBe('ERROR:UNMAPPED_ENUM_VALUE');
  });

  it('keeps the rejected value and transform in the error for the sync log', () => {
    const result = status.fromHubspot('archived');
    expect(result).toEqual({
      ok: false,
      error: { code: 'UNMAPPED_ENUM_VALUE', transform: 'enum', message: 'no mapping for HubSpot value', value: 'archived' },
    });
  });
});
