import { randomBytes } from 'node:crypto';

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * An exact decimal (e.g. NUMERIC text from pg) that must appear in JSON as a number
 * literal with its digits untouched: JSON.stringify would need a float on the way.
 */
export class JsonDecimal {
  constructor(readonly text: string) {
    if (!DECIMAL_TEXT.test(text)) throw new TypeError(`not a decimal: ${text}`);
  }
}

// A per-process nonce keeps a client-supplied string from posing as a marker.
const MARKER = `\u0000dec${randomBytes(6).toString('hex')}:`;
const ESCAPED_MARKER = JSON.stringify(MARKER).slice(1, -1);
const MARKED = new RegExp(`"${ESCAPED_MARKER.replace(/\\/g, '\\\\')}(-?\\d+(?:\\.\\d+)?)"`, 'g');

/** JSON.stringify, but JsonDecimal values come out as bare number literals. */
export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof JsonDecimal ? MARKER + v.text : v));
  return text.replace(MARKED, '$1');
}

/** Key-sorted JSON: equal values give equal text (request hashing). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
