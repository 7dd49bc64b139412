import { z } from 'zod';
import { formatScaled, parseScaled, trustedNumberText } from '../sync/decimal.js';

/** NUMERIC(12,2): at most ten digits before the point. */
const MAX_CENTS = 999_999_999_999n;

/**
 * A non-negative amount with at most two decimal places, given as a JSON number
 * (or decimal text), normalised to exact text ("1500.00") for the NUMERIC column.
 * No float arithmetic: the number's shortest decimal form is read as text.
 */
export const moneyInput = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? trustedNumberText(value) : value.trim();
  const cents = text === null || !/^\d+(\.\d+)?$/.test(text.replace(/^-/, '')) ? null : parseScaled(text, 2);
  if (cents === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a decimal amount with at most 2 decimal places' });
    return z.NEVER;
  }
  if (cents < 0n || cents > MAX_CENTS) {
    ctx.addIssue({ code: 'custom', message: 'must be between 0 and 9999999999.99' });
    return z.NEVER;
  }
  return formatScaled(cents, 2);
});
