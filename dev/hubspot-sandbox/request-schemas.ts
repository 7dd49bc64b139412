/**
 * Request bodies of the HubSpot endpoints the sandbox serves, checked with
 * zod; a failure becomes HubSpot's 400 VALIDATION_ERROR with one error per issue.
 */
import { z } from 'zod';
import { validationError } from './hubspot-error.js';

/** HubSpot takes JSON numbers and booleans for property values and stores their text; null clears. */
const propertyValues = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v))),
);

export const createInputSchema = z.object({
  properties: propertyValues,
  associations: z.array(z.unknown()).optional(),
  objectWriteTraceId: z.string().optional(),
});

export const updateInputSchema = z.object({ properties: propertyValues });

export const batchCreateSchema = z.object({ inputs: z.array(createInputSchema) });

export const batchUpdateSchema = z.object({
  inputs: z.array(
    z.object({
      id: z.string().min(1),
      idProperty: z.string().optional(),
      properties: propertyValues,
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});

export const batchUpsertSchema = batchUpdateSchema;

export const batchReadSchema = z.object({
  inputs: z.array(z.object({ id: z.string().min(1) })),
  properties: z.array(z.string()).default([]),
  propertiesWithHistory: z.array(z.string()).default([]),
  idProperty: z.string().optional(),
});

export const batchIdsSchema = z.object({ inputs: z.array(z.object({ id: z.string().min(1) })) });

export const mergeSchema = z.object({ primaryObjectId: z.string().min(1), objectIdToMerge: z.string().min(1) });

const filterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ]),
  value: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  highValue: z.union([z.string(), z.number()]).transform(String).optional(),
  values: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
});
export type SearchFilter = z.infer<typeof filterSchema>;

/** Sorts arrive as "-prop"/"prop" strings (the OpenAPI shape) or `{ propertyName, direction }` objects. */
const sortSchema = z.union([
  z
    .string()
    .min(1)
    .transform((s) =>
      s.startsWith('-')
        ? { propertyName: s.slice(1), direction: 'DESCENDING' as const }
        : { propertyName: s, direction: 'ASCENDING' as const },
    ),
  z.object({ propertyName: z.string().min(1), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') }),
]);

export const searchSchema = z.object({
  query: z.string().optional(),
  limit: z.number().int().min(0).default(10),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
  sorts: z.array(sortSchema).default([]),
  properties: z.array(z.string()).optional(),
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).default([]),
});
export type SearchRequest = z.infer<typeof searchSchema>;

const optionSchema = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  hidden: z.boolean().default(false),
  displayOrder: z.number().int().optional(),
  description: z.string().optional(),
});

const propertyType = z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']);

export const propertyCreateSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  type: propertyType,
  fieldType: z.string().min(1),
  groupName: z.string().min(1),
  description: z.string().default(''),
  options: z.array(optionSchema).default([]),
  displayOrder: z.number().int().default(-1),
  hasUniqueValue: z.boolean().default(false),
  hidden: z.boolean().default(false),
  formField: z.boolean().default(false),
  externalOptions: z.boolean().default(false),
  calculationFormula: z.string().optional(),
  referencedObjectType: z.string().optional(),
});
export type PropertyCreateInput = z.infer<typeof propertyCreateSchema>;

export const propertyUpdateSchema = z.object({
  label: z.string().min(1).optional(),
  type: propertyType.optional(),
  fieldType: z.string().min(1).optional(),
  groupName: z.string().min(1).optional(),
  description: z.string().optional(),
  options: z.array(optionSchema).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().optional(),
});
export type PropertyUpdateInput = z.infer<typeof propertyUpdateSchema>;

export const propertyBatchCreateSchema = z.object({ inputs: z.array(propertyCreateSchema) });
export const propertyNamesSchema = z.object({ inputs: z.array(z.object({ name: z.string().min(1) })) });
export const propertyBatchReadSchema = propertyNamesSchema.extend({ archived: z.boolean().default(false) });

export const groupCreateSchema = z.object({
  name: z.string().min(1),
  label: z.string().min(1),
  displayOrder: z.number().int().default(-1),
});
export const groupUpdateSchema = z.object({ label: z.string().min(1).optional(), displayOrder: z.number().int().optional() });

export const webhookSettingsSchema = z.object({
  targetUrl: z.string().url(),
  throttling: z.object({ maxConcurrentRequests: z.number().int().min(5).max(100) }),
});
export const subscriptionCreateSchema = z.object({
  eventType: z.string().min(1),
  propertyName: z.string().optional(),
  active: z.boolean().default(false),
});
export const subscriptionPatchSchema = z.object({ active: z.boolean() });

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    message: issue.message,
    in: issue.path.join('.'),
    code: issue.code.toUpperCase(),
  }));
  throw validationError(`Invalid input JSON: ${errors.map((e) => `${e.in || 'body'}: ${e.message}`).join('; ')}`, { errors });
}
