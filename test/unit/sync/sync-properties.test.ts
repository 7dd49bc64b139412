import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlanToSides } from '../../../shared/sync/apply-plan.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { CONFLICT_RULES, DIRECTIONS, fieldMappingSchema, type FieldMapping } from '../../../shared/sync/field-mapping.js';
import { getPath, setPath } from '../../../shared/sync/json-path.js';
import {
  planCustomerSync,
  type CustomerSyncPlan,
  type FieldState,
  type PlanCustomerInput,
  type SyncSides,
} from '../../../shared/sync/plan-customer.js';
import { transformFor, type Canonical, type WarpValue } from '../../../shared/sync/transforms.js';
import { at } from './fixtures.js';
import { warpTableAccepts } from './warp-table-oracle.js';

/**
 * Raw values each side may hold per field: overlapping spellings of a few canonical values, empty
 * values, and a few that cannot be read at all (which must only ever produce errors, never writes).
 */
const POOLS: Record<string, { warp: unknown[]; hubspot: (string | null | undefined)[] }> = {
  ban: { warp: ['AC-123456789', 'AC-987654321'], hubspot: ['AC-123456789', 'AC-987654321', '', undefined] },
  status: { warp: ['ACTIVE', 'CLOSED'], hubspot: ['active', 'closed', null, 'archived'] },
  customer_type: { warp: ['PREPAID', 'RESELLER'], hubspot: ['prepaid', 'reseller', null] },
  billing_cycle: { warp: ['MONTHLY', 'ANNUAL'], hubspot: ['monthly', 'annual', null] },
  current_balance: { warp: ['12.50', 12.5, '0.00', null], hubspot: ['12.5', '0', '', 'abc'] },
  prepaid_balance: { warp: ['5.00', '0.00'], hubspot: ['5', '0.00', null] },
  credit_limit: { warp: [null, '1000.00', 2500, '1e3'], hubspot: ['1000', '2500.00', '', null] },
  payment_terms: { warp: [30, 45], hubspot: ['30', '45', null, '30.5'] },
  company_name: { warp: ['Acme', ' Acme ', 'Beta', null], hubspot: ['Acme', 'Beta', '', null] },
  legal_name: { warp: [null, 'Acme LLC', ''], hubspot: ['Acme LLC', 'Beta LLC', null] },
  'contact.email': { warp: ['a@x.io', 'b@x.io'], hubspot: ['A@X.io', 'b@x.io', null, 'nope'] },
  'contact.phone': { warp: ['(212) 555-0100', '+442079460958'], hubspot: ['+12125550100', '+44 20 7946 0958', null] },
  'address.line1': { warp: ['1 Main St', '2 Side St'], hubspot: ['1 Main St', '2 Side St', null] },
  'address.line2': { warp: [null, 'Suite 5'], hubspot: ['', 'Suite 5', 'Suite 6'] },
  'address.city': { warp: ['Austin', 'Dallas'], hubspot: ['Austin', 'Dallas', null] },
  'address.state': { warp: ['TX'], hubspot: ['TX', 'CA', null] },
  'address.zip': { warp: ['78701', null], hubspot: ['78701', '75201', null] },
  'address.country': { warp: ['US', 'CA'], hubspot: ['United States', 'ca', null, 'Narnia'] },
  'external_ids.hubspot_company_id': { warp: ['987', null], hubspot: ['987', '988'] },
};

/** HubSpot values around the customers table's limits, in and out (HubSpot itself enforces none). */
const repeated = (min: number, max: number) =>
  fc.tuple(fc.integer({ min, max }), fc.constantFrom('a', ' ', 'é', '😀')).map(([length, filler]) => `N${filler.repeat(length - 1)}`);
const dollars = (cents: bigint) => {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};
const NUMERIC_12_2_EDGE = 10n ** 12n;
const EDGY_HUBSPOT: Record<string, fc.Arbitrary<string | null>> = {
  credit_limit: fc.oneof(
    fc.bigInt({ min: -500n, max: 500n }).map(dollars),
    fc.bigInt({ min: NUMERIC_12_2_EDGE - 300n, max: NUMERIC_12_2_EDGE + 300n }).map(dollars),
    fc.constantFrom('-5', '10000000000', '9999999999.99'),
  ),
  payment_terms: fc.oneof(fc.integer({ min: -20, max: 420 }).map(String), fc.constantFrom('-1', '0', '365', '366', '400')),
  company_name: fc.oneof(repeated(250, 260), repeated(296, 300), fc.constantFrom('   ', ' \t ')),
  legal_name: repeated(250, 260),
  'contact.email': fc.integer({ min: 316, max: 324 }).map((length) => `${'a'.repeat(length - 10)}@x.example`),
  'address.line1': repeated(250, 260),
  'address.city': repeated(95, 105),
  'address.zip': repeated(15, 25),
};

const pool = (field: string) => {
  const found = POOLS[field];
  if (!found) throw new Error(`no value pool for ${field}`);
  return found;
};

const time = fc.option(fc.integer({ min: 0, max: 5 }).map(at), { nil: null });
const canonicalOf = (mapping: FieldMapping, raw: unknown): Canonical => {
  const read = transformFor(mapping.transform).fromWarp(raw);
  return read.ok ? read.value : null;
};

/** A mapping with any valid direction / rule / enabled (invalid combinations keep the default). */
const mappingArb = (base: FieldMapping) =>
  fc
    .record({
      direction: fc.constantFrom(...DIRECTIONS),
      conflictRule: fc.constantFrom(...CONFLICT_RULES),
      enabled: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map((over) => {
      const candidate = { ...base, ...over };
      return fieldMappingSchema.safeParse(candidate).success ? candidate : base;
    });

interface FieldScenario {
  mapping: FieldMapping;
  warp: unknown;
  warpAt: Date | null;
  hubspot: string | null | undefined;
  hubspotAt: Date | null;
  state: FieldState | undefined;
}

const fieldArb = (base: FieldMapping): fc.Arbitrary<FieldScenario> =>
  mappingArb(base).chain((mapping) => {
    const values = pool(mapping.warpField);
    const canonicalPool = [...values.warp, ...values.hubspot].map((raw) => canonicalOf(mapping, raw));
    const stateArb = fc.option(
      fc.record({
        base: fc.option(fc.constantFrom(...canonicalPool), { nil: undefined }),
        openConflict: fc.option(
          fc.record({
            warpValue: fc.constantFrom(...canonicalPool),
            hubspotValue: fc.constantFrom(...canonicalPool),
            warpChangedAt: time,
            hubspotChangedAt: time,
          }),
          { nil: null },
        ),
      }),
      { nil: undefined },
    );
    return fc.record({
      mapping: fc.constant(mapping),
      warp: fc.constantFrom(...values.warp),
      warpAt: time,
      hubspot: fc.oneof(fc.constantFrom(...values.hubspot), ...[EDGY_HUBSPOT[mapping.warpField] ?? []].flat()),
      hubspotAt: time,
      state: stateArb,
    });
  });

const scenarioArb: fc.Arbitrary<PlanCustomerInput> = fc
  .tuple(fc.tuple(...DEFAULT_FIELD_MAPPINGS.map(fieldArb)), fc.boolean())
  .map(([fields, hasCompany]) => {
    let customer: Record<string, unknown> = { id: 'c1' };
    const properties: Record<string, string | null | undefined> = {};
    const warpChangedAt: Record<string, Date | null> = {};
    const hubspotChangedAt: Record<string, Date | null> = {};
    const fieldStates: Record<string, FieldState | undefined> = {};
    for (const f of fields) {
      customer = setPath(customer, f.mapping.warpField, f.warp);
      properties[f.mapping.hubspotProperty] = f.hubspot;
      warpChangedAt[f.mapping.warpField] = f.warpAt;
      hubspotChangedAt[f.mapping.hubspotProperty] = f.hubspotAt;
      fieldStates[f.mapping.warpField] = f.state;
    }
    return {
      mappings: fields.map((f) => f.mapping),
      warp: { customer, changedAt: warpChangedAt },
      hubspot: hasCompany ? { properties, changedAt: hubspotChangedAt } : null,
      fieldStates,
    };
  });

const AFTER = at(60);
const applied = (input: PlanCustomerInput, plan: CustomerSyncPlan): PlanCustomerInput => ({
  mappings: input.mappings,
  ...applyPlanToSides(input, plan, AFTER),
});

const readSides = (sides: SyncSides, mapping: FieldMapping) => {
  const transform = transformFor(mapping.transform);
  return {
    warp: transform.fromWarp(getPath(sides.warp.customer, mapping.warpField)),
    hubspot: transform.fromHubspot(sides.hubspot?.properties[mapping.hubspotProperty]),
  };
};

const asWarp = (mapping: FieldMapping, value: Canonical): WarpValue => transformFor(mapping.transform).toWarp(value);

const expectNothingToDo = (plan: CustomerSyncPlan) => {
  expect(plan.hubspotWrites).toEqual({});
  expect(plan.warpWrites).toEqual([]);
  expect(plan.newBases).toEqual({});
  expect(plan.conflicts).toEqual([]);
  expect(plan.closedConflicts).toEqual([]);
  for (const { decision } of plan.decisions) expect(['IN_SYNC', 'SKIP']).toContain(decision.action);
};

const RUNS = { numRuns: 500 };

describe('sync plan invariants (property-based)', () => {
  it('applying a plan twice changes nothing: the second plan is all IN_SYNC / SKIP', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const once = applied(input, planCustomerSync(input));
        expectNothingToDo(planCustomerSync(once));
      }),
      RUNS,
    );
  });

  it('after a plan both sides agree on every synced field, unless a MANUAL conflict is open', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        const after = applyPlanToSides(input, plan, AFTER);
        const unreadable = new Set(plan.errors.map((e) => e.warpField));
        for (const mapping of input.mappings) {
          if (mapping.enabled === false || mapping.direction === 'NONE' || unreadable.has(mapping.warpField)) continue;
          if (after.fieldStates?.[mapping.warpField]?.openConflict) {
            expect(mapping.conflictRule).toBe('MANUAL');
            continue;
          }
          const { warp, hubspot } = readSides(after, mapping);
          expect(warp.ok && hubspot.ok && warp.value === hubspot.value, mapping.warpField).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('a field with direction NONE, or disabled, is never written', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        for (const mapping of input.mappings) {
          if (mapping.direction !== 'NONE' && mapping.enabled !== false) continue;
          expect(Object.keys(plan.hubspotWrites)).not.toContain(mapping.hubspotProperty);
          expect(plan.warpWrites.map((w) => w.warpField)).not.toContain(mapping.warpField);
          expect(Object.keys(plan.newBases)).not.toContain(mapping.warpField);
        }
      }),
      RUNS,
    );
  });

  it("an owner's non-empty value is never overwritten by the other side (one-way fields)", () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        for (const mapping of input.mappings) {
          const { warp, hubspot } = readSides(input, mapping);
          if (mapping.direction === 'WARP_TO_HUBSPOT' && warp.ok && warp.value !== null) {
            expect(plan.warpWrites.map((w) => w.warpField)).not.toContain(mapping.warpField);
          }
          // A HubSpot value WARP cannot hold is undone, not kept: only a value WARP can hold is safe.
          const holdable = hubspot.ok && warpTableAccepts(mapping.warpField, asWarp(mapping, hubspot.value));
          if (mapping.direction === 'HUBSPOT_TO_WARP' && hubspot.ok && hubspot.value !== null && holdable) {
            expect(Object.keys(plan.hubspotWrites)).not.toContain(mapping.hubspotProperty);
          }
        }
      }),
      RUNS,
    );
  });

  it('no planned WARP write breaks the customers table (or the customer API contract for JSONB parts)', () => {
    const refused = new Set<string>();
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        for (const { warpField, value } of plan.warpWrites) {
          expect(warpTableAccepts(warpField, value), `${warpField} = ${JSON.stringify(value)}`).toBe(true);
        }
        for (const { warpField, decision } of plan.decisions) {
          if (decision.action === 'PUSH_TO_HUBSPOT' && decision.reason === 'WARP_REJECTS_VALUE') refused.add(warpField);
        }
      }),
      RUNS,
    );
    // The generators must actually cross every limit, or this property proves nothing.
    expect([...refused]).toEqual(expect.arrayContaining(Object.keys(EDGY_HUBSPOT)));
  });

  it('a value is refused only when WARP truly cannot hold it, and the refusal says why', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        for (const entry of plan.decisions) {
          const { decision } = entry;
          if (decision.action !== 'PUSH_TO_HUBSPOT' || decision.reason !== 'WARP_REJECTS_VALUE') continue;
          const mapping = input.mappings.find((m) => m.warpField === entry.warpField)!;
          expect(warpTableAccepts(entry.warpField, asWarp(mapping, entry.hubspotValue)), entry.warpField).toBe(false);
          expect(decision.value).toBe(entry.warpValue);
          expect(decision.rejected).toContain(entry.warpField);
        }
      }),
      RUNS,
    );
  });

  it("HubSpot's later echo of what we pushed (even re-formatted) plans to nothing", () => {
    // HubSpot hands number properties back in its own spelling ("12.50" -> "12.5").
    const hubspotSpelling = (value: string) => (/^-?\d+\.\d+$/.test(value) ? value.replace(/\.?0+$/, '') : value);
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const plan = planCustomerSync(input);
        const after = applied(input, plan);
        const echoAt = at(120);
        const echoed = Object.fromEntries(Object.entries(plan.hubspotWrites).map(([p, v]) => [p, hubspotSpelling(v)]));
        const withEcho: PlanCustomerInput = {
          ...after,
          hubspot: after.hubspot && {
            properties: { ...after.hubspot.properties, ...echoed },
            changedAt: { ...after.hubspot.changedAt, ...Object.fromEntries(Object.keys(echoed).map((p) => [p, echoAt])) },
          },
        };
        expectNothingToDo(planCustomerSync(withEcho));
      }),
      RUNS,
    );
  });
});
