import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/database.js';
import { listOpenConflicts, resolveConflict, type OpenConflictView } from '../sync-admin/conflict-resolution.js';
import type { ResyncPublishing } from '../sync-admin/operator-resync.js';
import { cursorParam, isoDate, limitParam, pageOf, pageSchema, single } from './paging.js';
import { customerIdSchema } from '../customers/query-schemas.js';

const warpFieldParam = single.regex(
  /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/,
  'must be a WARP field such as credit_limit or contact.email',
);

export const conflictsQuerySchema = z.object({
  customerId: customerIdSchema.optional(),
  field: warpFieldParam.optional(),
  limit: limitParam(50, 200),
  cursor: cursorParam(z.object({ openedAt: isoDate, customerId: z.guid(), warpField: z.string() })).optional(),
});
export type ConflictsQuery = z.output<typeof conflictsQuerySchema>;

export const conflictSchema = z.object({
  customerId: z.string(),
  ban: z.string(),
  companyName: z.string(),
  warpField: z.string(),
  hubspotProperty: z.string(),
  warpValue: z.string().nullable(),
  hubspotValue: z.string().nullable(),
  warpChangedAt: isoDate.nullable(),
  hubspotChangedAt: isoDate.nullable(),
  openedAt: isoDate,
});
export const conflictPageSchema = pageSchema(conflictSchema);

export const resolveConflictBodySchema = z.strictObject({
  customerId: customerIdSchema,
  field: z.string().min(1),
  take: z.enum(['warp', 'hubspot']),
});

export const conflictResolvedSchema = z.object({
  customerId: z.string(),
  field: z.string(),
  hubspotProperty: z.string(),
  take: z.enum(['warp', 'hubspot']),
  /** The value both sides hold once the worker has run the RESYNC (canonical form). */
  value: z.string().nullable(),
  outboxId: z.string(),
  published: z.boolean(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function conflictView(c: OpenConflictView): z.output<typeof conflictSchema> {
  return { ...c, warpChangedAt: iso(c.warpChangedAt), hubspotChangedAt: iso(c.hubspotChangedAt), openedAt: c.openedAt!.toISOString() };
}

/** Open MANUAL conflicts, oldest first, keyset-paged, through the listing the CLI uses. */
export async function listConflicts(db: Db, query: ConflictsQuery) {
  const after = query.cursor && { ...query.cursor, openedAt: new Date(query.cursor.openedAt) };
  const rows = await listOpenConflicts(db, query.customerId, { warpField: query.field, after, limit: query.limit + 1 });
  const page = pageOf(rows, query.limit, (c) => ({
    openedAt: c.openedAt!.toISOString(),
    customerId: c.customerId,
    warpField: c.warpField,
  }));
  return { items: page.rows.map(conflictView), nextCursor: page.nextCursor };
}

/** Settles a conflict through the CLI's service; the resolver is the caller's user id. */
export async function resolveConflictAs(
  db: Db,
  principal: Principal,
  body: z.output<typeof resolveConflictBodySchema>,
  publishing: ResyncPublishing | undefined,
): Promise<z.output<typeof conflictResolvedSchema>> {
  const take = body.take === 'warp' ? 'WARP' : 'HUBSPOT';
  const resolved = await resolveConflict(
    db,
    { customerId: body.customerId, warpField: body.field, take, by: principal.userId },
    { publishing },
  );
  return {
    customerId: resolved.customerId,
    field: resolved.warpField,
    hubspotProperty: resolved.hubspotProperty,
    take: body.take,
    value: resolved.value,
    outboxId: resolved.resync.outboxId,
    published: resolved.resync.published,
  };
}
