import { AppError } from '../errors/app-error.js';
import { parseScaled } from './decimal.js';
import { transformFor, type Canonical } from './transforms.js';
import { warpFieldSpec, type NumericLimits } from './warp-fields.js';

/**
 * Why WARP cannot take `value` (canonical form) into `warpField`, as a message for the sync log,
 * or null when it can. Mirrors the `customers` table's CHECKs and types through WARP_FIELDS, so a
 * value HubSpot holds is refused here instead of by the database, which would fail (and retry)
 * the worker's whole batch. Unknown fields are the mapping validation's business: null.
 */
export function whyWarpRejects(warpField: string, value: Canonical): string | null {
  const spec = warpFieldSpec(warpField);
  if (spec === undefined) return null;
  if (!spec.syncWritable) return `${warpField} is not written by the sync (WARP computes or owns it)`;
  if (value === null || value.trim() === '') {
    return spec.required ? `${warpField} is required: WARP cannot hold an empty value` : null;
  }
  if (spec.enumValues && !spec.enumValues.includes(value)) return `${warpField} must be one of ${spec.enumValues.join(', ')}`;
  const { maxLength, numeric } = spec.limits;
  const length = Array.from(value).length; // code points, as PostgreSQL's length() counts
  if (maxLength !== undefined && length > maxLength) {
    return `${warpField} is ${length} characters long; WARP allows at most ${maxLength}`;
  }
  if (numeric) return numericRejection(warpField, value, numeric);
  // A `text` transform on these fields would otherwise let any string through.
  if (spec.kind === 'email' || spec.kind === 'phone') {
    const read = transformFor({ name: spec.kind }).fromWarp(value);
    if (!read.ok) return `${warpField} is not a valid ${spec.kind}: ${read.error.message}`;
  }
  return null;
}

function numericRejection(warpField: string, value: string, { scale, min, max }: NumericLimits): string | null {
  const units = parseScaled(value, scale);
  if (units === null) {
    return scale === 0 ? `${warpField} must be a whole number` : `${warpField} must have at most ${scale} decimal places`;
  }
  if (units < bound(min, scale)) return `${warpField} ${value} is below the minimum ${min}`;
  if (units > bound(max, scale)) return `${warpField} ${value} is above the maximum ${max}`;
  return null;
}

/** Limits are written in WARP_FIELDS at their own scale; a typo there must fail loudly, not pass values. */
function bound(text: string, scale: number): bigint {
  const units = parseScaled(text, scale);
  if (units === null) throw new AppError('INTERNAL', `invalid numeric limit "${text}" at scale ${scale}`);
  return units;
}
