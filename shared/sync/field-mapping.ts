import { z } from 'zod';
import { AppError } from '../errors/app-error.js';
import { TRANSFORM_NAMES, type TransformName } from './transforms.js';
import { warpFieldSpec, type WarpFieldKind } from './warp-fields.js';

/**
 * One mapped field of `hubspot_sync_config`: a global row (customer_id NULL) or a per-customer
 * override of the same WARP field. Validated with zod on save and on load, so a bad row is caught
 * at the boundary instead of turning into wrong writes on both systems.
 */
export const DIRECTIONS = ['WARP_TO_HUBSPOT', 'HUBSPOT_TO_WARP', 'BIDIRECTIONAL', 'NONE'] as const;
export const CONFLICT_RULES = ['WARP_WINS', 'HUBSPOT_WINS', 'LATEST_WINS', 'MANUAL'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export type ConflictRule = (typeof CONFLICT_RULES)[number];

const FIXED_TRANSFORMS = TRANSFORM_NAMES.filter((name) => name !== 'enum') as [
  Exclude<TransformName, 'enum'>,
  ...Exclude<TransformName, 'enum'>[],
];

export const transformSpecSchema = z.union([
  z.strictObject({ name: z.enum(FIXED_TRANSFORMS) }),
  z.strictObject({ name: z.literal('enum'), values: z.record(z.string().min(1), z.string().min(1)) }),
]);

/** Which transforms can carry each kind of WARP field (e.g. no `money` on a phone number). */
const TRANSFORMS_BY_KIND: Record<WarpFieldKind, readonly TransformName[]> = {
  id: ['identity', 'text'],
  text: ['text', 'identity'],
  email: ['email', 'text'],
  phone: ['phone', 'text'],
  country: ['country', 'text'],
  money: ['money', 'money_cents'],
  integer: ['integer'],
  enum: ['enum'],
};

/** HubSpot computes these itself; writing them fails, so they can only be mapped as NONE. */
export const READ_ONLY_HUBSPOT_PROPERTIES: ReadonlySet<string> = new Set([
  'hs_object_id',
  'hs_lastmodifieddate',
  'createdate',
  'hs_createdate',
  'hs_merged_object_ids',
]);

const mappingObject = z.strictObject({
  warpField: z.string().min(1),
  hubspotProperty: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'not a HubSpot internal property name'),
  direction: z.enum(DIRECTIONS),
  conflictRule: z.enum(CONFLICT_RULES),
  transform: transformSpecSchema,
  enabled: z.boolean().optional(),
});

export type FieldMapping = z.infer<typeof mappingObject>;

type Issue = { path: (string | number)[]; message: string };

function mappingIssues(mapping: FieldMapping): Issue[] {
  const spec = warpFieldSpec(mapping.warpField);
  if (!spec) return [{ path: ['warpField'], message: `unknown WARP field "${mapping.warpField}"` }];
  const issues: Issue[] = [];
  const { transform, direction } = mapping;
  if (!TRANSFORMS_BY_KIND[spec.kind].includes(transform.name)) {
    issues.push({ path: ['transform'], message: `transform "${transform.name}" does not fit a ${spec.kind} field` });
  }
  if (transform.name === 'enum' && spec.enumValues) {
    const keys = Object.keys(transform.values).sort();
    if (keys.join() !== [...spec.enumValues].sort().join()) {
      issues.push({ path: ['transform', 'values'], message: `must map exactly ${spec.enumValues.join(', ')}` });
    }
    if (new Set(Object.values(transform.values)).size !== keys.length) {
      issues.push({ path: ['transform', 'values'], message: 'HubSpot values must be distinct' });
    }
  }
  if (!spec.syncWritable && direction !== 'WARP_TO_HUBSPOT' && direction !== 'NONE') {
    issues.push({ path: ['direction'], message: `${mapping.warpField} is not writable by the sync` });
  }
  if (READ_ONLY_HUBSPOT_PROPERTIES.has(mapping.hubspotProperty) && direction !== 'NONE') {
    issues.push({ path: ['direction'], message: `${mapping.hubspotProperty} is read-only in HubSpot` });
  }
  return issues;
}

export const fieldMappingSchema = mappingObject.superRefine((mapping, ctx) => {
  for (const issue of mappingIssues(mapping)) ctx.addIssue({ code: 'custom', ...issue });
});

/** A whole mapping set (the global one, or a customer's resolved one): each field and property once. */
export const fieldMappingsSchema = z.array(fieldMappingSchema).superRefine((mappings, ctx) => {
  for (const key of ['warpField', 'hubspotProperty'] as const) {
    const seen = new Set<string>();
    mappings.forEach((mapping, index) => {
      if (seen.has(mapping[key])) ctx.addIssue({ code: 'custom', path: [index, key], message: `duplicate ${key} "${mapping[key]}"` });
      seen.add(mapping[key]);
    });
  }
});

function invalid(message: string, issues: Issue[]): AppError {
  return new AppError('VALIDATION_FAILED', message, {
    issues: issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  });
}

/**
 * A customer's effective mapping: the global rows, each replaced in direction, conflict rule,
 * transform and enabled by that customer's override of the same WARP field. An override may not
 * re-point the HubSpot property nor invent a field; the merged set is validated as a whole.
 * Throws AppError VALIDATION_FAILED (details.issues) on any bad row.
 */
export function resolveMappings(global: readonly FieldMapping[], overrides: readonly FieldMapping[]): FieldMapping[] {
  const byField = new Map(global.map((mapping) => [mapping.warpField, mapping]));
  const overrideByField = new Map<string, FieldMapping>();
  const issues: Issue[] = [];
  overrides.forEach((override, index) => {
    const base = byField.get(override.warpField);
    if (!base) issues.push({ path: ['overrides', index], message: `no global mapping for "${override.warpField}"` });
    else if (base.hubspotProperty !== override.hubspotProperty) {
      issues.push({ path: ['overrides', index], message: `an override cannot change the HubSpot property of ${override.warpField}` });
    }
    if (overrideByField.has(override.warpField)) {
      issues.push({ path: ['overrides', index], message: `duplicate override of "${override.warpField}"` });
    }
    overrideByField.set(override.warpField, override);
  });
  if (issues.length > 0) throw invalid('invalid mapping overrides', issues);

  const merged = global.map((mapping) => {
    const override = overrideByField.get(mapping.warpField);
    if (!override) return mapping;
    const { direction, conflictRule, transform } = override;
    return { ...mapping, direction, conflictRule, transform, enabled: override.enabled ?? mapping.enabled };
  });
  const parsed = fieldMappingsSchema.safeParse(merged);
  if (!parsed.success) {
    throw invalid(
      'invalid field mapping',
      parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    );
  }
  return parsed.data;
}
