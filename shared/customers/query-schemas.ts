import { z } from 'zod';
import { isStorableText, NOT_STORABLE_MESSAGE } from '../db/storable-text.js';
import { CUSTOMER_STATUSES } from '../sync/warp-fields.js';

export const MAX_PER_PAGE = 100;
export const MAX_SEARCH_LENGTH = 100;

/** Query-string values arrive as text; a repeated parameter arrives as an array and is refused. */
const single = z.string({ error: 'must be given once' });
const integerParam = (min: number, max: number) =>
  single
    .regex(/^\d{1,9}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const listQuerySchema = z.object({
  page: integerParam(1, 1_000_000).default(1),
  per_page: integerParam(1, MAX_PER_PAGE).default(20),
  search: single
    .refine(isStorableText, NOT_STORABLE_MESSAGE)
    .trim()
    .max(MAX_SEARCH_LENGTH)
    .optional()
    .transform((s) => (s ? s : undefined)),
  status: z.enum(CUSTOMER_STATUSES).optional(),
});
// Other parameters (cache busters, tracking) are ignored, not refused: the portal owns its URLs.

export type ListQuery = z.output<typeof listQuerySchema>;

/** Any 8-4-4-4-12 hex id, which is what PostgreSQL's uuid type accepts; lower-cased as it stores it. */
export const customerIdSchema = z.guid('must be a UUID').transform((s) => s.toLowerCase());
export const customerIdParams = z.object({ id: customerIdSchema });

export const BAN_PATTERN = /^[A-Z]{2}-\d{9}$/;
export const banParams = z.object({
  ban: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.string().regex(BAN_PATTERN, 'must look like AC-123456789')),
});
