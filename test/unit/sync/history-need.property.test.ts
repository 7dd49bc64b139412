import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFLICT_RULES, DIRECTIONS, type FieldMapping } from '../../../shared/sync/field-mapping.js';
import { hubspotChangesOf, type HistoryEntry, type PropertiesWithHistory } from '../../../shared/sync/hubspot-history.js';
import { historyCanChangePlan, planCustomerSync, type FieldState, type PlanCustomerInput } from '../../../shared/sync/plan-customer.js';
import { at } from './fixtures.js';

const APP_ID = '4242';
const FIELDS = [
  { warpField: 'company_name', hubspotProperty: 'name' },
  { warpField: 'legal_name', hubspotProperty: 'warp_legal_name' },
  { warpField: 'address.city', hubspotProperty: 'city' },
] as const;
const VALUES = ['Alpha', 'Beta', 'Gamma', null] as const;

const value = fc.constantFrom(...VALUES);
const time = fc.integer({ min: 0, max: 20 }).map(at);

/** One field's whole situation: its mapping, both sides, what was agreed, and HubSpot's history of it. */
const fieldCase = fc.record({
  direction: fc.constantFrom(...DIRECTIONS),
  conflictRule: fc.constantFrom(...CONFLICT_RULES),
  enabled: fc.constantFrom(true, true, true, false),
  warp: value,
  warpChangedAt: fc.option(time, { nil: null }),
  hubspot: value,
  base: fc.option(value, { nil: undefined }),
  openConflict: fc.option(fc.record({ warpValue: value, hubspotValue: value, warpChangedAt: time, hubspotChangedAt: time }), {
    nil: null,
    freq: 4,
  }),
  // Older entries under the newest one, which holds HubSpot's current value.
  olderEntries: fc.array(fc.record({ value, at: time, ours: fc.boolean() }), { maxLength: 3 }),
  newestAt: fc.integer({ min: 21, max: 30 }).map(at),
  newestOurs: fc.boolean(),
});

const customerCase = fc.record({ fields: fc.tuple(fieldCase, fieldCase, fieldCase), recheck: fc.boolean() });

type CustomerCase = typeof customerCase extends fc.Arbitrary<infer T> ? T : never;

const source = (ours: boolean) => (ours ? { sourceType: 'INTEGRATION', sourceId: APP_ID } : { sourceType: 'CRM_UI', sourceId: null });

/** The planner's input without HubSpot's history, and that history as HubSpot would return it. */
function sidesOf(c: CustomerCase): { input: PlanCustomerInput; history: PropertiesWithHistory } {
  const mappings: FieldMapping[] = [];
  const customer: Record<string, unknown> = { address: {} };
  const properties: Record<string, string | null> = {};
  const warpChangedAt: Record<string, Date | null> = {};
  const fieldStates: Record<string, FieldState> = {};
  const history: Record<string, HistoryEntry[]> = {};
  FIELDS.forEach(({ warpField, hubspotProperty }, i) => {
    const f = c.fields[i]!;
    mappings.push({
      warpField,
      hubspotProperty,
      direction: f.direction,
      conflictRule: f.conflictRule,
      enabled: f.enabled,
      transform: { name: 'text' },
    });
    if (warpField === 'address.city') (customer.address as Record<string, unknown>).city = f.warp;
    else customer[warpField] = f.warp;
    properties[hubspotProperty] = f.hubspot;
    warpChangedAt[warpField] = f.warpChangedAt;
    fieldStates[warpField] = { ...(f.base !== undefined ? { base: f.base } : {}), openConflict: f.openConflict };
    history[hubspotProperty] = [
      { value: f.hubspot, timestamp: f.newestAt, ...source(f.newestOurs) },
      ...f.olderEntries.map((e) => ({ value: e.value, timestamp: e.at, ...source(e.ours) })),
    ];
  });
  const input: PlanCustomerInput = {
    mappings,
    warp: { customer: customer as PlanCustomerInput['warp']['customer'], changedAt: warpChangedAt },
    hubspot: { properties },
    fieldStates,
    recheck: c.recheck,
  };
  return { input, history };
}

const withHistory = (input: PlanCustomerInput, history: PropertiesWithHistory): PlanCustomerInput => ({
  ...input,
  hubspot: { properties: input.hubspot!.properties, ...hubspotChangesOf(history, APP_ID) },
});

describe('planning from current values where the history cannot decide', () => {
  it('plans exactly as with the history read, on random states', () => {
    let cheap = 0;
    let historyWouldMatter = 0;
    fc.assert(
      fc.property(customerCase, (c) => {
        const { input, history } = sidesOf(c);
        const full = planCustomerSync(withHistory(input, history));
        if (historyCanChangePlan(input)) return;
        cheap++;
        expect(planCustomerSync(input)).toEqual(full);
        // The same history weighed as on a re-check: it would have changed something here.
        if (JSON.stringify(planCustomerSync(withHistory({ ...input, recheck: true }, history))) !== JSON.stringify(full))
          historyWouldMatter++;
      }),
      { numRuns: 20_000, seed: 20261206 },
    );
    // Not vacuous: many states plan without the history, and in some of them the history was there to be found.
    expect(cheap).toBeGreaterThan(2_000);
    expect(historyWouldMatter).toBeGreaterThan(0);
  });

  it('asks for the history wherever a field is off its base, in an open MANUAL conflict, or on a re-check', () => {
    const off = sidesOf(fc.sample(customerCase, { numRuns: 1, seed: 1 })[0]!).input;
    const onBase: PlanCustomerInput = {
      ...off,
      mappings: off.mappings.map((m) => ({ ...m, direction: 'BIDIRECTIONAL', conflictRule: 'LATEST_WINS', enabled: true })),
      warp: { customer: { company_name: 'Alpha', legal_name: 'Beta', address: { city: 'Gamma' } } },
      hubspot: { properties: { name: 'Alpha', warp_legal_name: 'Beta', city: 'Gamma' } },
      fieldStates: { company_name: { base: 'Alpha' }, legal_name: { base: 'Beta' }, 'address.city': { base: 'Gamma' } },
      recheck: false,
    };
    expect(historyCanChangePlan(onBase)).toBe(false);
    expect(
      historyCanChangePlan({ ...onBase, warp: { customer: { company_name: 'Beta', legal_name: 'Beta', address: { city: 'Gamma' } } } }),
    ).toBe(false);
    expect(historyCanChangePlan({ ...onBase, hubspot: { properties: { name: 'Beta', warp_legal_name: 'Beta', city: 'Gamma' } } })).toBe(
      true,
    );
    expect(historyCanChangePlan({ ...onBase, recheck: true })).toBe(true);
    const noBase = { ...onBase, fieldStates: {} };
    expect(historyCanChangePlan(noBase)).toBe(false);
    expect(historyCanChangePlan({ ...noBase, hubspot: { properties: { name: 'Beta', warp_legal_name: 'Beta', city: 'Gamma' } } })).toBe(
      true,
    );
    const conflict = { warpValue: 'Alpha', hubspotValue: 'Beta', warpChangedAt: null, hubspotChangedAt: null };
    const manual = { ...onBase, mappings: onBase.mappings.map((m) => ({ ...m, conflictRule: 'MANUAL' as const })) };
    expect(
      historyCanChangePlan({ ...manual, fieldStates: { ...onBase.fieldStates, company_name: { base: 'Alpha', openConflict: conflict } } }),
    ).toBe(true);
  });
});
