import { sql } from 'kysely';
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

  it('reads every change time back to the millisecond, truncated as Date keeps it, and an unknown one as null', async () => {
    const [c] = (await insertCustomersWithOutbox(t.db, 1, { offset: 20 })) as [string];
    await t.db
      .insertInto('hubspot_field_state')
      .values([
        {
          customer_id: c,
          warp_field: 'company_name',
          hubspot_property: 'name',
          base_value: 'C Co',
          warp_changed_at: sql<Date>`'2026-11-03T10:00:00.123999Z'::timestamptz`,
          hubspot_changed_at: null,
        },
        {
          customer_id: c,
          warp_field: 'legal_name',
          hubspot_property: 'warp_legal_name',
          base_value: null,
          has_base: false,
          warp_changed_at: null,
          hubspot_changed_at: sql<Date>`'1969-12-31T23:59:59.5Z'::timestamptz`,
          conflict_status: 'OPEN',
          conflict_warp_value: 'X',
          conflict_hubspot_value: null,
          conflict_warp_at: sql<Date>`'2026-11-03T10:00:01.000001+02:00'::timestamptz`,
          conflict_hubspot_at: null,
        },
      ])
      .execute();
    const states = (await loadFieldStates(t.db, [c])).get(c)!;
    expect(states.company_name).toEqual({
      base: 'C Co',
      openConflict: null,
      hubspotProperty: 'name',
      warpChangedAt: new Date('2026-11-03T10:00:00.123Z'),
      hubspotChangedAt: null,
    });
    expect(states.legal_name).toEqual({
      base: undefined,
      openConflict: { warpValue: 'X', hubspotValue: null, warpChangedAt: new Date('2026-11-03T08:00:01.000Z'), hubspotChangedAt: null },
      hubspotProperty: 'warp_legal_name',
      warpChangedAt: null,
      hubspotChangedAt: new Date('1969-12-31T23:59:59.500Z'),
    });
  });
});
