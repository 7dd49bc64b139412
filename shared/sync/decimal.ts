/**
 * Exact decimal text <-> scaled BigInt (value x 10^scale). Money never touches binary floats:
 * "0.10" + "0.20" style arithmetic and 1e15-scale amounts stay exact.
 */
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses "1234.5", "-0.10", "12.", ".5" into units of 10^-scale. Digits past `scale` are accepted
 * only when they are zeros ("1.230" is 1.23); anything else (more precision, exponents, separators)
 * is null: rounding money silently is a bug, not a convenience.
 */
export function parseScaled(text: string, scale: number): bigint | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return null;
  if (fraction.slice(scale).replace(/0/g, '') !== '') return null;
  const units = BigInt((whole || '0') + fraction.slice(0, scale).padEnd(scale, '0'));
  return sign === '-' ? -units : units;
}

/** Formats units of 10^-scale as fixed-point text; zero is never "-0". */
export function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** A double holds 15 significant decimal digits faithfully; past that the number already lied. */
const MAX_TRUSTED_DIGITS = 15;

/** The decimal text of a JS number we can trust, or null (NaN, Infinity, exponent form, > 15 digits). */
export function trustedNumberText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  const text = String(value);
  if (/e/i.test(text)) return null;
  const significant = text.replace(/[-.]/g, '').replace(/^0+/, '');
  return significant.length <= MAX_TRUSTED_DIGITS ? text : null;
}
