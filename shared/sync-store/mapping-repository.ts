import type { DbOrTx } from '../db/database.js';
import type { Selectable } from 'kysely';
import type { HubspotSyncConfigTable } from '../db/tables/hubspot-sync.js';
import { fieldMappingSchema, fieldMappingsSchema, resolveMappings, type FieldMapping } from '../sync/field-mapping.js';

export type EffectiveMappings = { ok: true; mappings: FieldMapping[] } | { ok: false; error: string };

/** A row in the schema's terms, still unvalidated (rows written by hand can be wrong). */
export function rowToMapping(row: Selectable<HubspotSyncConfigTable>): Record<string, unknown> {
  return {
    warpField: row.warp_field,
    hubspotProperty: row.hubspot_property,
    direction: row.direction,
    conflictRule: row.conflict_rule,
    transform: row.transform,
    enabled: row.enabled,
  };
}

/**
 * Each customer's effective mapping (global rows with its overrides), validated with the
 * planner's schema on load: a bad global mapping throws (nothing can sync), a bad override
 * fails only its customer.
 */
export async function loadEffectiveMappings(db: DbOrTx, customerIds: readonly string[]): Promise<Map<string, EffectiveMappings>> {
  const rows = await db
    .selectFrom('hubspot_sync_config')
    .selectAll()
    .where((eb) =>
      customerIds.length > 0
        ? eb.or([eb('customer_id', 'is', null), eb('customer_id', 'in', [...customerIds])])
        : eb('customer_id', 'is', null),
    )
    .orderBy('id')
    .execute();
  const global = fieldMappingsSchema.parse(rows.filter((r) => r.customer_id === null).map(rowToMapping));
  const result = new Map<string, EffectiveMappings>();
  for (const customerId of customerIds) {
    const overrides = rows.filter((r) => r.customer_id === customerId).map(rowToMapping);
    if (overrides.length === 0) {
      result.set(customerId, { ok: true, mappings: global });
      continue;
    }
    try {
      result.set(customerId, {
        ok: true,
        mappings: resolveMappings(
          global,
          overrides.map((o) => fieldMappingSchema.parse(o)),
        ),
      });
    } catch (err) {
      result.set(customerId, { ok: false, error: `invalid mapping override: ${(err as Error).message}` });
    }
  }
  return result;
}
