import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../db/database.js';
import type { HubspotSyncConfigTable } from '../db/tables/hubspot-sync.js';
import { AppError } from '../errors/app-error.js';
import { fieldMappingSchema, fieldMappingsSchema, resolveMappings, type FieldMapping } from '../sync/field-mapping.js';
import { rowToMapping } from '../sync-store/mapping-repository.js';

/** Serialises mapping saves, so each one validates against the set it is about to change. */
const MAPPING_LOCK_ID = 4_404_020;

export type ConfigRow = Selectable<HubspotSyncConfigTable>;

/** A mapping as the sync reads it: `enabled` always known. */
export type StoredMapping = FieldMapping & { enabled: boolean };

export async function lockMappings(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${MAPPING_LOCK_ID})`.execute(tx);
}

/** The global rows, plus one customer's overrides (a customer id), every override (ALL) or none (null). */
export async function loadConfigRows(db: DbOrTx, overridesOf: string | 'ALL' | null): Promise<ConfigRow[]> {
  return db
    .selectFrom('hubspot_sync_config')
    .selectAll()
    .$if(overridesOf !== 'ALL', (q) =>
      q.where((eb) =>
        overridesOf === null ? eb('customer_id', 'is', null) : eb.or([eb('customer_id', 'is', null), eb('customer_id', '=', overridesOf)]),
      ),
    )
    .orderBy('id')
    .execute();
}

/** The stored global set, validated as a whole; overrides can only be judged against a valid one. */
export function parseGlobal(rows: readonly ConfigRow[]): StoredMapping[] {
  const raw = rows.filter((r) => r.customer_id === null).map(rowToMapping);
  const parsed = fieldMappingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = describeIssues(
      parsed.error.issues,
      raw.map((m) => String(m.warpField)),
    );
    throw new AppError('VALIDATION_FAILED', `the stored global mapping is invalid: ${problems.join('; ')}`, { problems });
  }
  return parsed.data.map((m) => ({ ...m, enabled: m.enabled ?? true }));
}

export async function upsertMapping(
  tx: Tx,
  customerId: string | null,
  mapping: StoredMapping,
  updatedBy: string,
  now: Date,
): Promise<void> {
  const values = {
    hubspot_property: mapping.hubspotProperty,
    direction: mapping.direction,
    conflict_rule: mapping.conflictRule,
    transform: mapping.transform,
    enabled: mapping.enabled,
    updated_at: now,
    updated_by: updatedBy,
  };
  await tx
    .insertInto('hubspot_sync_config')
    .values({ customer_id: customerId, warp_field: mapping.warpField, ...values })
    .onConflict((oc) => oc.columns(['customer_id', 'warp_field']).doUpdateSet(values))
    .execute();
}

export async function requireCustomer(db: DbOrTx, customerId: string): Promise<void> {
  const found = await db.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst();
  if (!found) throw new AppError('NOT_FOUND', `no customer ${customerId}`);
}

/** What makes a mapping change refused: each problem says which field (and customer) it is about. */
export function refused(warpField: string, problems: readonly string[]): AppError {
  return new AppError('INVALID_MAPPING', `mapping of ${warpField} refused: ${problems.join('; ')}`, { warpField, problems: [...problems] });
}

type Issue = { path: PropertyKey[] | string; message: string };

/**
 * Issue texts prefixed with the field they are about. Paths index the mapping set (`3.transform`)
 * or the overrides (`overrides.0`), as fieldMappingsSchema and resolveMappings report them.
 */
export function describeIssues(issues: readonly Issue[], setFields: readonly string[], overrideFields: readonly string[] = []): string[] {
  return issues.map(({ path, message }) => {
    const parts = (typeof path === 'string' ? path.split('.') : path.map(String)).filter((p) => p !== '');
    const [head, second] = parts;
    const field = head === 'overrides' ? overrideFields[Number(second)] : /^\d+$/.test(head ?? '') ? setFields[Number(head)] : undefined;
    const where = (field === undefined ? parts : parts.slice(head === 'overrides' ? 2 : 1)).join('.');
    return `${field ? `${field}: ` : ''}${where ? `${where}: ` : ''}${message}`;
  });
}

/** One mapping checked with the planner's schema; the problems named, or the typed mapping. */
export function parseMapping(input: unknown): FieldMapping {
  const parsed = fieldMappingSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const field = z.object({ warpField: z.string() }).safeParse(input);
  throw refused(field.success ? field.data.warpField : '(no warpField)', describeIssues(parsed.error.issues, []));
}

/** A customer's effective mapping with these overrides, or the problems (resolveMappings' own checks). */
export function tryResolve(
  global: readonly FieldMapping[],
  overrides: readonly unknown[],
): { ok: true; mappings: FieldMapping[] } | { ok: false; problems: string[] } {
  const fields = overrides.map((o) => String((o as { warpField?: unknown }).warpField));
  const valid: FieldMapping[] = [];
  const bad: string[] = [];
  overrides.forEach((override, i) => {
    const parsed = fieldMappingSchema.safeParse(override);
    if (parsed.success) valid.push(parsed.data);
    else bad.push(...describeIssues(parsed.error.issues, []).map((text) => `${fields[i]}: ${text}`));
  });
  if (bad.length > 0) return { ok: false, problems: bad };
  try {
    return { ok: true, mappings: resolveMappings(global, valid) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const issues = (err.details?.issues ?? []) as Issue[];
    return {
      ok: false,
      problems: describeIssues(
        issues,
        global.map((m) => m.warpField),
        fields,
      ),
    };
  }
}

export const customerIdSchema = z.uuid('customer id must be a uuid');
export const actorSchema = z.string().trim().min(1, 'who made the change is required').max(200);

/** Parses an operation's argument, turning zod's complaint into a VALIDATION_FAILED naming it. */
export function parseArgument<T>(schema: z.ZodType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new AppError('VALIDATION_FAILED', `${name}: ${problems.join('; ')}`, { problems });
}
