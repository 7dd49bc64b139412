import { isDeepStrictEqual } from 'node:util';
import { inTransaction, type Db, type DbOrTx, type Tx } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { fieldMappingsSchema, type FieldMapping } from '../sync/field-mapping.js';
import { enqueueOperatorResync, publishOperatorResync, type OperatorActionOptions, type OperatorResync } from './operator-resync.js';
import {
  actorSchema,
  customerIdSchema,
  describeIssues,
  loadConfigRows,
  lockMappings,
  parseArgument,
  parseGlobal,
  parseMapping,
  refused,
  requireCustomer,
  tryResolve,
  upsertMapping,
  type ConfigRow,
  type StoredMapping,
} from './stored-mappings.js';
import { rowToMapping } from '../sync-store/mapping-repository.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';

/**
 * Saving `hubspot_sync_config`: the same zod schema and resolveMappings the worker applies on load
 * are applied before anything is written, so a mapping the worker would refuse is never stored.
 * Each operation is one transaction, serialised with every other mapping save.
 *
 * A changed override enqueues one RESYNC of its customer, so the change takes effect at once. A
 * changed global mapping can concern every customer: enqueueing them all here would hold one huge
 * transaction, so the operator is told to run the full reconciliation, which pages through them.
 */
export const FULL_RECONCILE_COMMAND = `gcloud pubsub topics publish hubspot-reconcile-requests --message='{"all":true,"mode":"FULL"}'`;

export interface GlobalMappingSaved {
  mapping: StoredMapping;
  /** False when the row already said exactly this. */
  changed: boolean;
  /** Field states dropped because the field now maps to another HubSpot property. */
  droppedFieldStates: number;
  /** What the operator runs so customers already in sync follow; null when nothing changed. */
  followUp: string | null;
}

export interface OverrideChange {
  warpField: string;
  /** Whether the customer's effective mapping of the field changed (then a RESYNC was enqueued). */
  changed: boolean;
  resync: OperatorResync | null;
}

export interface OverrideSaved extends OverrideChange {
  mapping: StoredMapping;
}

export interface MappingView extends StoredMapping {
  source: 'GLOBAL' | 'OVERRIDE';
  updatedAt: Date;
  updatedBy: string | null;
}

export interface MappingSaveOptions extends OperatorActionOptions {
  /**
   * Runs under the mapping lock on the rows the save validates against, before anything is
   * written: throwing refuses the save (the HTTP API checks If-Match here, so the check and the
   * write see the same set).
   */
  precondition?: (rows: readonly ConfigRow[]) => void;
  /**
   * Runs in the save's transaction on the same set after the write (the HTTP API's new ETag, so
   * a client can chain writes without a read in between that another save could slip into).
   */
  savedSet?: (rows: readonly ConfigRow[]) => void;
}

async function reportSavedSet(tx: Tx, options: Pick<MappingSaveOptions, 'savedSet'>, customerId: string | null): Promise<void> {
  if (options.savedSet) options.savedSet(await loadConfigRows(tx, customerId));
}

/** Shown this many broken overrides at most; the rest are counted. */
const MAX_LISTED_CUSTOMERS = 5;

/**
 * Upserts one global field row. The whole resulting global set must pass fieldMappingsSchema and
 * every customer's overrides must still resolve against it; otherwise nothing is written.
 * `enabled` omitted means enabled.
 */
export async function setGlobalMapping(
  db: Db,
  mapping: FieldMapping,
  updatedBy: string,
  options: Pick<MappingSaveOptions, 'now' | 'precondition' | 'savedSet'> = {},
): Promise<GlobalMappingSaved> {
  const parsed = parseMapping(mapping);
  const next: StoredMapping = { ...parsed, enabled: parsed.enabled ?? true };
  const by = parseArgument(actorSchema, updatedBy, 'updatedBy');
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    await lockMappings(tx);
    const rows = await loadConfigRows(tx, 'ALL');
    const globalRows = rows.filter((r) => r.customer_id === null);
    options.precondition?.(globalRows);
    const current = globalRows.find((r) => r.warp_field === next.warpField);
    const proposed = current ? globalRows.map((r) => (r === current ? next : rowToMapping(r))) : [...globalRows.map(rowToMapping), next];
    const checked = fieldMappingsSchema.safeParse(proposed);
    if (!checked.success)
      throw refused(
        next.warpField,
        describeIssues(
          checked.error.issues,
          proposed.map((m) => String(m.warpField)),
        ),
      );
    const broken = brokenOverrides(
      checked.data,
      rows.filter((r) => r.customer_id !== null),
    );
    if (broken.length > 0) throw refused(next.warpField, broken);

    await upsertMapping(tx, null, next, by, now);
    // Bases were agreed on the old property. Read against the new one, its (likely empty) value
    // would look like a HubSpot edit and be pulled over WARP's; with no base the field syncs as a
    // first sync instead (an empty side is filled, two values are settled by the rule).
    const droppedFieldStates = current?.hubspot_property === next.hubspotProperty ? 0 : await dropFieldStates(tx, next.warpField);
    const changed = !current || !isDeepStrictEqual(rowToMapping(current), next);
    await logMappingChange(tx, { customerId: null, warpField: next.warpField, before: current, after: next, changed, by, outboxId: null });
    await reportSavedSet(tx, options, null);
    return { mapping: next, changed, droppedFieldStates, followUp: changed ? FULL_RECONCILE_COMMAND : null };
  });
}

/**
 * Upserts a customer's override of one field: it must pass fieldMappingSchema and resolve against
 * the global set (same field, same HubSpot property). `enabled` omitted means as the global row.
 */
export async function setCustomerOverride(
  db: Db,
  customerId: string,
  override: FieldMapping,
  updatedBy: string,
  options: MappingSaveOptions = {},
): Promise<OverrideSaved> {
  const id = parseArgument(customerIdSchema, customerId, 'customerId');
  const input = parseMapping(override);
  const by = parseArgument(actorSchema, updatedBy, 'updatedBy');
  const now = options.now ?? new Date();
  const saved = await inTransaction(db, async (tx) => {
    await lockMappings(tx);
    await requireCustomer(tx, id);
    const rows = await loadConfigRows(tx, id);
    options.precondition?.(rows);
    const global = parseGlobal(rows);
    const next: StoredMapping = {
      ...input,
      enabled: input.enabled ?? global.find((m) => m.warpField === input.warpField)?.enabled ?? true,
    };
    const overrides = rows.filter((r) => r.customer_id !== null);
    const before = tryResolve(global, overrides.map(rowToMapping));
    const after = tryResolve(global, [...overrides.filter((r) => r.warp_field !== next.warpField).map(rowToMapping), next]);
    if (!after.ok) throw refused(next.warpField, after.problems);
    await upsertMapping(tx, id, next, by, now);
    const resync = await resyncIfChanged(tx, id, next.warpField, before, after, by, now);
    const current = overrides.find((r) => r.warp_field === next.warpField);
    await logMappingChange(tx, { customerId: id, warpField: next.warpField, before: current, after: next, by, ...resync });
    await reportSavedSet(tx, options, id);
    return { mapping: next, ...resync };
  });
  const resync = await publishAfterCommit(db, options, saved.outboxId);
  return { warpField: saved.mapping.warpField, mapping: saved.mapping, changed: saved.changed, resync };
}

/** Removes a customer's override of one field; the field follows the global row again. */
export async function removeCustomerOverride(
  db: Db,
  customerId: string,
  warpField: string,
  removedBy: string,
  options: MappingSaveOptions = {},
): Promise<OverrideChange> {
  const id = parseArgument(customerIdSchema, customerId, 'customerId');
  const by = parseArgument(actorSchema, removedBy, 'removedBy');
  const now = options.now ?? new Date();
  const { changed, outboxId } = await inTransaction(db, async (tx) => {
    await lockMappings(tx);
    const rows = await loadConfigRows(tx, id);
    options.precondition?.(rows);
    const overrides = rows.filter((r) => r.customer_id !== null);
    const target = overrides.find((r) => r.warp_field === warpField);
    if (!target) throw new AppError('NOT_FOUND', `customer ${id} has no override of ${warpField}`);
    const global = parseGlobal(rows);
    const before = tryResolve(global, overrides.map(rowToMapping));
    const after = tryResolve(global, overrides.filter((r) => r !== target).map(rowToMapping));
    await tx.deleteFrom('hubspot_sync_config').where('id', '=', target.id).execute();
    const resync = await resyncIfChanged(tx, id, warpField, before, after, by, now);
    await logMappingChange(tx, { customerId: id, warpField, before: target, after: null, by, ...resync });
    await reportSavedSet(tx, options, id);
    return resync;
  });
  return { warpField, changed, resync: await publishAfterCommit(db, options, outboxId) };
}

/** The global mapping, or a customer's effective one with its overrides marked. */
export async function showMappings(db: DbOrTx, customerId?: string): Promise<MappingView[]> {
  const id = customerId === undefined ? null : parseArgument(customerIdSchema, customerId, 'customerId');
  if (id !== null) await requireCustomer(db, id);
  const rows = await loadConfigRows(db, id);
  const overrides = rows.filter((r) => r.customer_id !== null);
  const resolved = tryResolve(parseGlobal(rows), overrides.map(rowToMapping));
  if (!resolved.ok) {
    throw new AppError(
      'VALIDATION_FAILED',
      `customer ${id}'s overrides do not resolve (remove them with unset): ${resolved.problems.join('; ')}`,
    );
  }
  return resolved.mappings.map((mapping) => {
    const row = overrides.find((r) => r.warp_field === mapping.warpField) ?? rows.find((r) => r.warp_field === mapping.warpField)!;
    return {
      ...mapping,
      enabled: mapping.enabled ?? true,
      source: row.customer_id === null ? 'GLOBAL' : 'OVERRIDE',
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  });
}

/** Per customer with overrides: the problems its overrides would have against `global`. */
function brokenOverrides(global: readonly FieldMapping[], overrideRows: readonly ConfigRow[]): string[] {
  const byCustomer = new Map<string, ConfigRow[]>();
  for (const row of overrideRows) byCustomer.set(row.customer_id!, [...(byCustomer.get(row.customer_id!) ?? []), row]);
  const broken: string[] = [];
  for (const [customerId, rows] of byCustomer) {
    const resolved = tryResolve(global, rows.map(rowToMapping));
    if (!resolved.ok) broken.push(`customer ${customerId}'s overrides would break: ${resolved.problems.join(', ')}`);
  }
  if (broken.length <= MAX_LISTED_CUSTOMERS) return broken;
  return [...broken.slice(0, MAX_LISTED_CUSTOMERS), `and ${broken.length - MAX_LISTED_CUSTOMERS} more customers`];
}

/** The audit row of one mapping save or removal: who, and the row before and after. */
async function logMappingChange(
  tx: Tx,
  change: {
    customerId: string | null;
    warpField: string;
    before: ConfigRow | undefined;
    after: StoredMapping | null;
    changed: boolean;
    by: string;
    outboxId: string | null;
  },
): Promise<void> {
  await insertSyncLog(tx, [
    {
      customer_id: change.customerId,
      outbox_id: change.outboxId,
      direction: 'NONE',
      operation: change.after ? 'MAPPING_SET' : 'MAPPING_REMOVED',
      status: change.changed ? 'SUCCESS' : 'SKIPPED',
      fields: {
        [change.warpField]: {
          scope: change.customerId === null ? 'GLOBAL' : 'OVERRIDE',
          before: change.before ? rowToMapping(change.before) : null,
          after: change.after,
          by: change.by,
        },
      },
    },
  ]);
}

async function dropFieldStates(tx: Tx, warpField: string): Promise<number> {
  const result = await tx.deleteFrom('hubspot_field_state').where('warp_field', '=', warpField).executeTakeFirst();
  return Number(result.numDeletedRows);
}

type Resolution = ReturnType<typeof tryResolve>;

/** Enqueues the customer's RESYNC when its effective mapping of the field changed. */
async function resyncIfChanged(
  tx: Tx,
  customerId: string,
  warpField: string,
  before: Resolution,
  after: Resolution,
  by: string,
  now: Date,
): Promise<{ changed: boolean; outboxId: string | null }> {
  const fieldOf = (r: Resolution) => (r.ok ? r.mappings.find((m) => m.warpField === warpField) : undefined);
  const changed = !before.ok || !isDeepStrictEqual(fieldOf(before), fieldOf(after));
  return { changed, outboxId: changed ? await enqueueOperatorResync(tx, customerId, [warpField], by, now) : null };
}

function publishAfterCommit(db: Db, options: OperatorActionOptions, outboxId: string | null): Promise<OperatorResync | null> {
  return outboxId === null ? Promise.resolve(null) : publishOperatorResync(db, options.publishing, outboxId);
}
