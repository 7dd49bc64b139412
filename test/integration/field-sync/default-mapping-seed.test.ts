import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { fieldMappingsSchema } from '../../../shared/sync/field-mapping.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

describe('sql/0006_default_sync_mapping.sql', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.destroy());

  it('seeds exactly DEFAULT_FIELD_MAPPINGS as the global mapping, valid under the planner schema', async () => {
    const rows = await database.db.selectFrom('hubspot_sync_config').selectAll().orderBy('id').execute();
    expect(rows.every((r) => r.customer_id === null && r.enabled)).toBe(true);
    const seeded = fieldMappingsSchema.parse(
      rows.map((r) => ({
        warpField: r.warp_field,
        hubspotProperty: r.hubspot_property,
        direction: r.direction,
        conflictRule: r.conflict_rule,
        transform: r.transform,
      })),
    );
    const byField = (list: readonly { warpField: string }[]) => [...list].sort((a, b) => a.warpField.localeCompare(b.warpField));
    expect(byField(seeded)).toEqual(byField(DEFAULT_FIELD_MAPPINGS));
  });
});
