import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFieldStates, saveFieldStates, saveFieldStatesOfCustomers } from '../../../shared/sync-store/field-state-repository.js';
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

  it("stores many customers' states at once, each with its own bases, times and conflicts", async () => {
    const [a, b] = (await insertCustomersWithOutbox(t.db, 2, { offset: 10 })) as [string, string];
    const later = new Date('2026-11-02T10:00:00Z');
    const conflict = { warpField: 'legal_name', hubspotProperty: 'warp_legal_name', warpValue: 'X', hubspotValue: 'Y' };
    await saveFieldStatesOfCustomers(
      t.db,
      [
        {
          customerId: a,
          plan: { newBases: { company_name: 'A Co' }, conflicts: [], closedConflicts: [], decisions: [] },
          times: { warpChangedAt: { company_name: at }, hubspotChangedAt: {} },
        },
        {
          customerId: b,
          plan: {
            newBases: { company_name: 'B Co' },
            conflicts: [{ ...conflict, warpChangedAt: later, hubspotChangedAt: later }],
            closedConflicts: [],
            decisions: [],
          },
          times: { warpChangedAt: { company_name: later }, hubspotChangedAt: {} },
        },
      ],
      later,
    );
    const states = await loadFieldStates(t.db, [a, b]);
    expect(states.get(a)).toEqual({
      company_name: expect.objectContaining({ base: 'A Co', warpChangedAt: at, openConflict: null }),
    });
    expect(states.get(b)!.company_name).toMatchObject({ base: 'B Co', warpChangedAt: later });
    expect(states.get(b)!.legal_name).toMatchObject({ base: undefined, openConflict: { warpValue: 'X', hubspotValue: 'Y' } });
  });
});
