import { COUNTRY_ALIASES, ISO_COUNTRY_CODES } from './country-codes.js';
import { formatScaled, parseScaled, trustedNumberText } from './decimal.js';

/**
 * Named transforms between the two representations of a mapped field. Both sides are first turned
 * into one canonical form (`string | null`, null meaning "no value") and compared there; writes
 * turn the canonical value back into each side's form. Bad input is a result, never a throw, so a
 * worker logs the field and carries on with the others.
 */
export type Canonical = string | null;

/** What a WARP column or JSON path receives: money as exact decimal text, integers as numbers. */
export type WarpValue = string | number | null;

export const TRANSFORM_NAMES = ['identity', 'text', 'email', 'phone', 'country', 'money', 'money_cents', 'integer', 'enum'] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

/** `enum.values` maps each WARP value to its HubSpot option value. */
export type TransformSpec = { name: Exclude<TransformName, 'enum'> } | { name: 'enum'; values: Readonly<Record<string, string>> };

export type TransformErrorCode = 'INVALID_VALUE' | 'UNMAPPED_ENUM_VALUE';

export interface TransformError {
  code: TransformErrorCode;
  transform: TransformName;
  message: string;
  value: unknown;
}

export type TransformResult = { ok: true; value: Canonical } | { ok: false; error: TransformError };

export interface FieldTransform {
  fromWarp(value: unknown): TransformResult;
  fromHubspot(value: string | null | undefined): TransformResult;
  /** Total for any canonical value this transform produced. */
  toWarp(value: Canonical): WarpValue;
  /** HubSpot clears a property with "" (it has no null on write). */
  toHubspot(value: Canonical): string;
}

const ok = (value: Canonical): TransformResult => ({ ok: true, value });
const fail = (transform: TransformName, value: unknown, message: string, code: TransformErrorCode = 'INVALID_VALUE') =>
  ({ ok: false, error: { code, transform, message, value } }) as const;

/** Absent, null and blank all mean "no value": HubSpot cannot tell them apart. */
function blankToNull(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' && value.trim() === '' ? null : value;
}

/** Builds a transform whose both sides share one normaliser (the common case). */
function symmetric(name: TransformName, normalise: (value: string) => TransformResult): FieldTransform {
  const read = (value: unknown): TransformResult => {
    const present = blankToNull(value);
    if (present === null) return ok(null);
    return typeof present === 'string' ? normalise(present) : fail(name, value, 'expected a string');
  };
  return { fromWarp: read, fromHubspot: read, toWarp: (v) => v, toHubspot: (v) => v ?? '' };
}

const identity = symmetric('identity', (v) => ok(v));
const text = symmetric('text', (v) => ok(v.trim()));

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const email = symmetric('email', (v) => {
  const lower = v.trim().toLowerCase();
  return EMAIL_SHAPE.test(lower) ? ok(lower) : fail('email', v, 'not an email address');
});

/**
 * E.164-ish: separators (space, dash, dot, parentheses) dropped, a leading + kept; 10 digits, or 11
 * starting with 1, without + are taken as US/NANP and get +1. Other numbers without + keep their
 * digits as they are (their country is unknowable). Letters (extensions) or < 7 / > 15 digits fail.
 */
const phone = symmetric('phone', (v) => {
  const trimmed = v.trim();
  const international = trimmed.startsWith('+');
  const digits = (international ? trimmed.slice(1) : trimmed).replace(/[\s\-().]/g, '');
  if (!/^\d{7,15}$/.test(digits)) return fail('phone', v, 'not a phone number (7 to 15 digits)');
  if (international) return ok(`+${digits}`);
  if (digits.length === 10) return ok(`+1${digits}`);
  if (digits.length === 11 && digits.startsWith('1')) return ok(`+${digits}`);
  return ok(digits);
});

const country = symmetric('country', (v) => {
  const key = v.trim().replace(/\s+/g, ' ').toUpperCase();
  const code = COUNTRY_ALIASES[key] ?? key;
  return ISO_COUNTRY_CODES.has(code) ? ok(code) : fail('country', v, 'not an ISO 3166-1 alpha-2 code');
});

/** Decimal text of a WARP numeric (pg NUMERIC arrives as text, the API gives numbers). */
function numericText(name: TransformName, value: unknown): { text: string } | { error: TransformResult } {
  if (typeof value === 'string') return { text: value.trim() };
  if (typeof value === 'number') {
    const text = trustedNumberText(value);
    return text === null ? { error: fail(name, value, 'number cannot be represented exactly') } : { text };
  }
  return { error: fail(name, value, 'expected a number or decimal text') };
}

/** Reads a numeric at `scale` decimals and renders its canonical text at `canonicalScale`. */
function numericReader(name: TransformName, scale: number, canonicalScale: number, safeInteger = false) {
  return (value: unknown): TransformResult => {
    const present = blankToNull(value);
    if (present === null) return ok(null);
    const parsed = numericText(name, present);
    if ('error' in parsed) return parsed.error;
    const units = parseScaled(parsed.text, scale);
    if (units === null) return fail(name, value, `not a decimal with at most ${scale} decimal places`);
    if (safeInteger && (units > BigInt(Number.MAX_SAFE_INTEGER) || units < BigInt(Number.MIN_SAFE_INTEGER))) {
      return fail(name, value, 'integer out of the safe range');
    }
    return ok(formatScaled(units, canonicalScale));
  };
}

const MONEY_SCALE = 2;
const readDollars = numericReader('money', MONEY_SCALE, MONEY_SCALE);

/** Canonical money is fixed 2-decimal dollars ("1234.50"); WARP receives the same text for NUMERIC. */
const money: FieldTransform = {
  fromWarp: readDollars,
  fromHubspot: readDollars,
  toWarp: (v) => v,
  toHubspot: (v) => v ?? '',
};

/** Dollars in WARP, integer cents in HubSpot; canonical is dollars like `money`. */
const moneyCents: FieldTransform = {
  fromWarp: numericReader('money_cents', MONEY_SCALE, MONEY_SCALE),
  fromHubspot: numericReader('money_cents', 0, MONEY_SCALE),
  toWarp: (v) => v,
  toHubspot: (v) => (v === null ? '' : String(parseScaled(v, MONEY_SCALE))),
};

const readInteger = numericReader('integer', 0, 0, true);
const integer: FieldTransform = {
  fromWarp: readInteger,
  fromHubspot: readInteger,
  toWarp: (v) => (v === null ? null : Number(v)),
  toHubspot: (v) => v ?? '',
};

/** Canonical is the WARP value; values missing from the map are errors on either side. */
function enumTransform(values: Readonly<Record<string, string>>): FieldTransform {
  const fromHubspotValue = new Map(Object.entries(values).map(([warp, hubspot]) => [hubspot, warp]));
  const lookup = (side: string, value: unknown, find: (v: string) => string | undefined): TransformResult => {
    const present = blankToNull(value);
    if (present === null) return ok(null);
    const found = typeof present === 'string' ? find(present) : undefined;
    return found === undefined ? fail('enum', value, `no mapping for ${side} value`, 'UNMAPPED_ENUM_VALUE') : ok(found);
  };
  return {
    fromWarp: (v) => lookup('WARP', v, (s) => (Object.hasOwn(values, s) ? s : undefined)),
    fromHubspot: (v) => lookup('HubSpot', v, (s) => fromHubspotValue.get(s)),
    toWarp: (v) => v,
    toHubspot: (v) => (v === null ? '' : (values[v] ?? '')),
  };
}

const FIXED: Record<Exclude<TransformName, 'enum'>, FieldTransform> = {
  identity,
  text,
  email,
  phone,
  country,
  money,
  money_cents: moneyCents,
  integer,
};

/** Built once per value table: a sync batch reads the same mappings for every customer in it. */
const enumTransforms = new WeakMap<Readonly<Record<string, string>>, FieldTransform>();

export function transformFor(spec: TransformSpec): FieldTransform {
  if (spec.name !== 'enum') return FIXED[spec.name];
  let transform = enumTransforms.get(spec.values);
  if (!transform) enumTransforms.set(spec.values, (transform = enumTransform(spec.values)));
  return transform;
}
