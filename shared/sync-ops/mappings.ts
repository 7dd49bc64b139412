import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { ifMatchSatisfied } from '../customers/view.js';
import {
  removeCustomerOverride,
  setCustomerOverride,
  setGlobalMapping,
  showMappings,
  type MappingSaveOptions,
  type MappingView,
} from '../sync-admin/mapping-admin.js';
import type { OperatorResync, ResyncPublishing } from '../sync-admin/operator-resync.js';
import { loadConfigRows, type ConfigRow } from '../sync-admin/stored-mappings.js';
import { CONFLICT_RULES, DIRECTIONS, transformSpecSchema } from '../sync/field-mapping.js';
import { isoDate } from './paging.js';
import { customerIdSchema } from '../customers/query-schemas.js';

export const mappingsQuerySchema = z.object({
  customerId: customerIdSchema.optional(),
});

export const mappingFieldParams = z.object({ field: z.string().min(1).max(200) });
export const customerMappingParams = mappingFieldParams.extend({ id: customerIdSchema });

/** The field comes from the path; shape is checked here, meaning (field, transform fit, ownership) by the save. */
export const mappingBodySchema = z.strictObject({
  hubspotProperty: z.string().min(1),
  direction: z.enum(DIRECTIONS),
  conflictRule: z.enum(CONFLICT_RULES),
  transform: transformSpecSchema,
  /** Omitted: enabled (global), or as the global row (override). */
  enabled: z.boolean().optional(),
});

export const ifMatchHeaders = z.object({
  'if-match': z.string().optional().describe('ETag of GET /v1/sync/mappings (with ?customerId= for an override); a stale one is 412'),
});

const mappingSchema = z.object({
  warpField: z.string(),
  hubspotProperty: z.string(),
  direction: z.enum(DIRECTIONS),
  conflictRule: z.enum(CONFLICT_RULES),
  transform: transformSpecSchema,
  enabled: z.boolean(),
});

export const mappingViewSchema = mappingSchema.extend({
  source: z.enum(['GLOBAL', 'OVERRIDE']),
  updatedAt: isoDate,
  updatedBy: z.string().nullable(),
});

export const mappingSetSchema = z.object({
  customerId: z.string().nullable(),
  mappings: z.array(mappingViewSchema),
});

const resyncSchema = z.object({ outboxId: z.string(), published: z.boolean() }).nullable();

export const mappingSavedSchema = z.object({
  customerId: z.string().nullable(),
  mapping: mappingSchema.nullable(),
  warpField: z.string(),
  /** False when the stored mapping already said exactly this. */
  changed: z.boolean(),
  /** Override changes: the customer's RESYNC (null when its effective mapping did not change). */
  resync: resyncSchema,
  /** Global changes: what brings customers already in sync in line now (a full reconciliation). */
  followUp: z.string().nullable(),
  droppedFieldStates: z.number().int(),
});
export type MappingSaved = z.output<typeof mappingSavedSchema>;

/**
 * Strong validator of a mapping set: the global rows, plus the customer's overrides when the set
 * is a customer's. Any save or removal in the set changes it (ids, values and updated_at are in).
 */
export function mappingSetEtag(rows: readonly ConfigRow[]): string {
  const identity = rows.map((r) => [
    r.id,
    r.customer_id,
    r.warp_field,
    r.hubspot_property,
    r.direction,
    r.conflict_rule,
    r.transform,
    r.enabled,
    r.updated_at.getTime(),
  ]);
  return `"m-${createHash('sha256').update(JSON.stringify(identity)).digest('base64url').slice(0, 27)}"`;
}

/** The precondition a save checks under the mapping lock, on exactly the rows it validates against. */
function ifMatchPrecondition(ifMatch: string | undefined): MappingSaveOptions['precondition'] {
  if (ifMatch === undefined) return undefined;
  return (rows) => {
    const etag = mappingSetEtag(rows);
    if (!ifMatchSatisfied(ifMatch, etag)) {
      throw new AppError('PRECONDITION_FAILED', 'The mapping set was changed since it was read (If-Match does not match)', { etag });
    }
  };
}

function view(m: MappingView): z.output<typeof mappingViewSchema> {
  return {
    warpField: m.warpField,
    hubspotProperty: m.hubspotProperty,
    direction: m.direction,
    conflictRule: m.conflictRule,
    transform: m.transform,
    enabled: m.enabled,
    source: m.source,
    updatedAt: m.updatedAt.toISOString(),
    updatedBy: m.updatedBy,
  };
}

/** The global or a customer's effective mapping and its ETag, from one snapshot. */
export async function readMappingSet(db: Db, customerId: string | undefined) {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (tx) => {
      const mappings = await showMappings(tx, customerId);
      const etag = mappingSetEtag(await loadConfigRows(tx, customerId ?? null));
      return { etag, data: { customerId: customerId ?? null, mappings: mappings.map(view) } };
    });
}

const resyncView = (r: OperatorResync | null) => r && { outboxId: r.outboxId, published: r.published };

type MappingBody = z.output<typeof mappingBodySchema>;
interface WriteOptions {
  ifMatch?: string;
  publishing?: ResyncPublishing;
}

/** A write's answer and the ETag of the set it left, taken in its transaction. */
export interface MappingWritten {
  etag: string;
  data: MappingSaved;
}

/** The save options that check If-Match before and capture the new ETag after, under one lock. */
function etagged(options: WriteOptions) {
  let etag: string | undefined;
  const saveOptions: MappingSaveOptions = {
    publishing: options.publishing,
    precondition: ifMatchPrecondition(options.ifMatch),
    savedSet: (rows) => {
      etag = mappingSetEtag(rows);
    },
  };
  const written = (data: MappingSaved): MappingWritten => {
    if (etag === undefined) throw new Error('a mapping save returned without reporting its set');
    return { etag, data };
  };
  return { saveOptions, written };
}

export async function saveGlobalMapping(
  db: Db,
  principal: Principal,
  warpField: string,
  body: MappingBody,
  options: WriteOptions,
): Promise<MappingWritten> {
  const { saveOptions, written } = etagged(options);
  const saved = await setGlobalMapping(db, { warpField, ...body }, principal.userId, saveOptions);
  return written({
    customerId: null,
    mapping: saved.mapping,
    warpField,
    changed: saved.changed,
    resync: null,
    followUp: saved.followUp,
    droppedFieldStates: saved.droppedFieldStates,
  });
}

export async function saveCustomerOverride(
  db: Db,
  principal: Principal,
  customerId: string,
  warpField: string,
  body: MappingBody,
  options: WriteOptions,
): Promise<MappingWritten> {
  const { saveOptions, written } = etagged(options);
  const saved = await setCustomerOverride(db, customerId, { warpField, ...body }, principal.userId, saveOptions);
  return written({
    customerId,
    mapping: saved.mapping,
    warpField,
    changed: saved.changed,
    resync: resyncView(saved.resync),
    followUp: null,
    droppedFieldStates: 0,
  });
}

export async function deleteCustomerOverride(
  db: Db,
  principal: Principal,
  customerId: string,
  warpField: string,
  options: WriteOptions,
): Promise<MappingWritten> {
  const { saveOptions, written } = etagged(options);
  const removed = await removeCustomerOverride(db, customerId, warpField, principal.userId, saveOptions);
  return written({
    customerId,
    mapping: null,
    warpField,
    changed: removed.changed,
    resync: resyncView(removed.resync),
    followUp: null,
    droppedFieldStates: 0,
  });
}
