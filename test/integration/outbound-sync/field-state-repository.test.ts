import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFieldStates, saveFieldStates } from '../../../shared/sync-store/field-state-repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { insertCustomersWithOutbox } from '../../support/customer-factory.js';

describe('field state repository', () => {
  let t: TestDatabase;
  let customerId: string;
  const at = new Date('2026-11-01T10:00:00Z');
  const noTimes = { warpChangedAt: {}, hubspotChangedAt: {} };

  beforeAll(async () => {
    t = await createTestDatabase();
    [customerId] = (await insertCustomersWithOutbox(t.db, 1)) as [string];
  });
  afterAll(() => t.destroy());

  it('has no state for a field never synced', async () => {
    const states = await loadFieldStates(t.db, [customerId]);
    expect(states.get(customerId)).toEqual({});
  });

  it('keeps "never agreed" apart from "agreed on empty" while a conflict is open', async () => {
    const conflict = {
      warpField: 'legal_name',
      hubspotProperty: 'warp_legal_name',
      warpValue: 'Acme LLC',
      hubspotValue: 'Acme Inc',
      warpChangedAt: at,
      hubspotChangedAt: at,
    };
    await saveFieldStates(t.db, customerId, { newBases: {}, conflicts: [conflict], closedConflicts: [], decisions: [] }, noTimes, at);
    const open = (await loadFieldStates(t.db, [customerId])).get(customerId)!.legal_name!;
    expect(open.base).toBeUndefined();
    expect(open.openConflict).toMatchObject({ warpValue: 'Acme LLC', hubspotValue: 'Acme Inc' });

    // Once the sides agree (here on empty), the empty value is a real base.
    await saveFieldStates(
      t.db,
      customerId,
      { newBases: { legal_name: null }, conflicts: [], closedConflicts: ['legal_name'], decisions: [] },
      noTimes,
      at,
    );
    const agreed = (await loadFieldStates(t.db, [customerId])).get(customerId)!.legal_name!;
    expect(agreed.base).toBeNull();
    expect(agreed.openConflict).toBeNull();
  });
});
