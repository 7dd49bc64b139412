import { describe, expect, it } from 'vitest';
import { applyPlanToSides } from '../../../shared/sync/apply-plan.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { resolveMappings } from '../../../shared/sync/field-mapping.js';
import { planCustomerSync, type CustomerSyncPlan } from '../../../shared/sync/plan-customer.js';
import { setPath } from '../../../shared/sync/json-path.js';
import { ACME_CANONICAL, acmeCompany, acmeCustomer, acmeInput, at } from './fixtures.js';

const actions = (plan: CustomerSyncPlan) =>
  Object.fromEntries(
    plan.decisions.map((d) => [d.warpField, d.decision.action === 'SKIP' ? `SKIP ${d.decision.reason}` : d.decision.action]),
  );

const nothingToDo = (plan: CustomerSyncPlan) => {
  expect(plan.hubspotWrites).toEqual({});
  expect(plan.warpWrites).toEqual([]);
  expect(plan.newBases).toEqual({});
  expect(plan.conflicts).toEqual([]);
  expect(plan.closedConflicts).toEqual([]);
  expect(plan.errors).toEqual([]);
};

describe('planCustomerSync', () => {
  it('plans nothing in steady state, however differently the two sides spell the values', () => {
    const plan = planCustomerSync(acmeInput());
    nothingToDo(plan);
    expect(new Set(Object.values(actions(plan)))).toEqual(new Set(['IN_SYNC', 'SKIP DIRECTION_NONE']));
    expect(plan.decisions).toHaveLength(DEFAULT_FIELD_MAPPINGS.length);
  });

  it('first sync of matching sides records every base and writes nothing', () => {
    const plan = planCustomerSync(acmeInput({ fieldStates: {} }));
    expect(plan.hubspotWrites).toEqual({});
    expect(plan.warpWrites).toEqual([]);
    expect(plan.newBases).toEqual(ACME_CANONICAL);
  });

  it('a customer without a company pushes every value, seeding HubSpot-owned ones, in HubSpot form', () => {
    const plan = planCustomerSync(acmeInput({ hubspot: null, fieldStates: {} }));
    expect(plan.hubspotWrites).toEqual({
      warp_ban: 'AC-123456789',
      warp_status: 'ACTIVE',
      warp_current_balance: '12.50',
      warp_prepaid_balance: '0.00',
      warp_customer_type: 'POSTPAID',
      warp_billing_cycle: 'MONTHLY',
      warp_credit_limit: '1000.00',
      warp_payment_terms: '30',
      name: 'Acme Telecom',
      warp_legal_name: 'Acme Telecom LLC',
      warp_contact_email: 'ops@acme.example',
      phone: '+12125550100',
      address: '1 Main St',
      city: 'Austin',
      state: 'TX',
      zip: '78701',
      country: 'US',
    });
    expect(plan.warpWrites).toEqual([]);
    expect(plan.newBases).toEqual(ACME_CANONICAL);
  });

  it('ignores stored bases when there is no company (a fresh company is a first sync)', () => {
    const input = acmeInput({ hubspot: null });
    const plan = planCustomerSync(input);
    expect(plan.decisions.find((d) => d.warpField === 'credit_limit')).toMatchObject({
      base: undefined,
      decision: { action: 'PUSH_TO_HUBSPOT', value: '1000.00', reason: 'FILL_EMPTY' },
    });
  });

  it('pulls HubSpot-owned changes into WARP in WARP form', () => {
    const properties = { ...acmeCompany(), warp_credit_limit: '2500.5', warp_payment_terms: '45' };
    const plan = planCustomerSync(acmeInput({ hubspot: { properties, changedAt: { warp_credit_limit: at(5) } } }));
    expect(plan.warpWrites).toEqual([
      { warpField: 'credit_limit', value: '2500.50' },
      { warpField: 'payment_terms', value: 45 },
    ]);
    expect(plan.hubspotWrites).toEqual({});
    expect(plan.newBases).toEqual({ credit_limit: '2500.50', payment_terms: '45' });
  });

  it('pushes a WARP change and clears a property WARP emptied with ""', () => {
    let customer = setPath(acmeCustomer(), 'address.city', 'Dallas');
    customer = setPath(customer, 'legal_name', '  ');
    const plan = planCustomerSync(acmeInput({ warp: { customer, changedAt: { 'address.city': at(3) } } }));
    expect(plan.hubspotWrites).toEqual({ city: 'Dallas', warp_legal_name: '' });
    expect(plan.newBases).toEqual({ 'address.city': 'Dallas', legal_name: null });
  });

  it('puts back a WARP-owned value edited in HubSpot', () => {
    const properties = { ...acmeCompany(), warp_status: 'CLOSED', warp_current_balance: '0' };
    const plan = planCustomerSync(acmeInput({ hubspot: { properties } }));
    expect(plan.hubspotWrites).toEqual({ warp_status: 'ACTIVE', warp_current_balance: '12.50' });
    expect(plan.warpWrites).toEqual([]);
  });

  it('settles LATEST_WINS by the change times of each side', () => {
    const customer = setPath(acmeCustomer(), 'company_name', 'Acme WARP');
    const properties = { ...acmeCompany(), name: 'Acme HubSpot' };
    const hubspotLater = planCustomerSync(
      acmeInput({ warp: { customer, changedAt: { company_name: at(1) } }, hubspot: { properties, changedAt: { name: at(2) } } }),
    );
    expect(hubspotLater.warpWrites).toEqual([{ warpField: 'company_name', value: 'Acme HubSpot' }]);
    const warpLater = planCustomerSync(
      acmeInput({ warp: { customer, changedAt: { company_name: at(3) } }, hubspot: { properties, changedAt: { name: at(2) } } }),
    );
    expect(warpLater.hubspotWrites).toEqual({ name: 'Acme WARP' });
  });

  it("restores a person's edit that our late write buried: pulled into WARP and written back to HubSpot", () => {
    const customer = setPath(acmeCustomer(), 'company_name', 'Acme WARP');
    const input = acmeInput({
      warp: { customer, changedAt: { company_name: at(1) } },
      hubspot: {
        properties: { ...acmeCompany(), name: 'Acme WARP' },
        changedAt: { name: at(3) },
        writtenByUs: new Set(['name']),
        buriedEdits: { name: { value: 'Acme HubSpot', changedAt: at(2) } },
      },
    });
    const plan = planCustomerSync(input);
    expect(plan.warpWrites).toEqual([{ warpField: 'company_name', value: 'Acme HubSpot' }]);
    expect(plan.hubspotWrites).toEqual({ name: 'Acme HubSpot' });
    expect(plan.newBases).toMatchObject({ company_name: 'Acme HubSpot' });
    nothingToDo(planCustomerSync({ ...input, ...applyPlanToSides(input, plan, at(4)) }));
    // A buried value WARP cannot hold (too long for company_name) leaves our write standing.
    const tooLong = acmeInput({
      ...input,
      hubspot: { ...input.hubspot!, buriedEdits: { name: { value: 'x'.repeat(300), changedAt: at(2) } } },
    });
    expect(planCustomerSync(tooLong)).toMatchObject({ warpWrites: [], hubspotWrites: {}, newBases: { company_name: 'Acme WARP' } });
  });

  it('records a MANUAL conflict, holds it, and closes it once the sides agree', () => {
    const manual = resolveMappings(DEFAULT_FIELD_MAPPINGS, [
      { ...DEFAULT_FIELD_MAPPINGS.find((m) => m.warpField === 'company_name')!, conflictRule: 'MANUAL' },
    ]);
    const customer = setPath(acmeCustomer(), 'company_name', 'Acme WARP');
    const properties = { ...acmeCompany(), name: 'Acme HubSpot' };
    const input = acmeInput({
      mappings: manual,
      warp: { customer, changedAt: { company_name: at(1) } },
      hubspot: { properties, changedAt: { name: at(2) } },
    });
    const plan = planCustomerSync(input);
    expect(plan.conflicts).toEqual([
      {
        warpField: 'company_name',
        hubspotProperty: 'name',
        warpValue: 'Acme WARP',
        hubspotValue: 'Acme HubSpot',
        warpChangedAt: at(1),
        hubspotChangedAt: at(2),
      },
    ]);
    expect(plan.hubspotWrites).toEqual({});
    expect(plan.warpWrites).toEqual([]);

    const held = applyPlanToSides(input, plan, at(10));
    const again = planCustomerSync({ ...held, mappings: manual });
    nothingToDo(again);
    expect(actions(again).company_name).toBe('SKIP CONFLICT_PENDING');

    const resolved = { ...held, hubspot: { properties: { ...properties, name: 'Acme WARP' }, changedAt: { name: at(20) } } };
    const closing = planCustomerSync({ ...resolved, mappings: manual });
    expect(closing.closedConflicts).toEqual(['company_name']);
    expect(closing.newBases).toEqual({ company_name: 'Acme WARP' });
  });

  it('a mapping re-pointed to another property ignores the base and conflict stored against the old one', () => {
    // Re-pointing is a change of the global mapping (an override cannot do it).
    const repointed = DEFAULT_FIELD_MAPPINGS.map((m) =>
      m.warpField === 'company_name' ? { ...m, hubspotProperty: 'warp_trade_name', conflictRule: 'MANUAL' as const } : m,
    );
    const conflict = { warpValue: 'Acme Telecom', hubspotValue: 'Acme Trading', warpChangedAt: at(1), hubspotChangedAt: at(2) };
    const stale = { base: 'Acme Telecom', openConflict: conflict, hubspotProperty: 'name' };
    const properties = { ...acmeCompany(), warp_trade_name: 'Acme Trading' };
    const input = acmeInput({
      mappings: repointed,
      hubspot: { properties },
      fieldStates: { ...acmeInput().fieldStates, company_name: stale },
    });
    const plan = planCustomerSync(input);
    // No base: the sides differ for the first time, so MANUAL opens a fresh conflict instead of
    // reading the old base as "HubSpot changed" or holding the old property's conflict.
    expect(plan.decisions.find((d) => d.warpField === 'company_name')).toMatchObject({
      hubspotProperty: 'warp_trade_name',
      base: undefined,
    });
    expect(plan.conflicts).toEqual([
      expect.objectContaining({ warpField: 'company_name', warpValue: 'Acme Telecom', hubspotValue: 'Acme Trading' }),
    ]);
    expect(plan.closedConflicts).toEqual([]);

    // Agreeing sides store a base for the new property even though it equals the old base.
    const agreed = planCustomerSync({ ...input, hubspot: { properties: { ...properties, warp_trade_name: 'Acme Telecom' } } });
    expect(agreed.newBases).toEqual({ company_name: 'Acme Telecom' });
    expect(agreed.closedConflicts).toEqual([]);

    // The same state stored against the current property still counts.
    const current = planCustomerSync({
      ...input,
      fieldStates: { ...input.fieldStates, company_name: { ...stale, hubspotProperty: 'warp_trade_name' } },
    });
    expect(current.decisions.find((d) => d.warpField === 'company_name')).toMatchObject({
      base: 'Acme Telecom',
      decision: { action: 'SKIP', reason: 'CONFLICT_PENDING' },
    });
  });

  it('reports a value that cannot be read and still syncs the other fields', () => {
    const properties = { ...acmeCompany(), warp_status: 'archived', city: 'Dallas' };
    const plan = planCustomerSync(acmeInput({ hubspot: { properties } }));
    expect(plan.errors).toEqual([
      {
        warpField: 'status',
        hubspotProperty: 'warp_status',
        side: 'HUBSPOT',
        error: { code: 'UNMAPPED_ENUM_VALUE', transform: 'enum', message: 'no mapping for HubSpot value', value: 'archived' },
      },
    ]);
    expect(plan.decisions.map((d) => d.warpField)).not.toContain('status');
    expect(plan.warpWrites).toEqual([{ warpField: 'address.city', value: 'Dallas' }]);
  });

  it('puts back HubSpot values the customers table would refuse, instead of planning them as WARP writes', () => {
    // The review's failing examples: each used to become a WARP write that broke a CHECK constraint.
    const longName = 'N'.repeat(300);
    const properties = { ...acmeCompany(), warp_credit_limit: '-5', warp_payment_terms: '400', name: longName, city: 'Dallas' };
    const plan = planCustomerSync(acmeInput({ hubspot: { properties, changedAt: { name: at(5) } } }));
    expect(plan.warpWrites).toEqual([{ warpField: 'address.city', value: 'Dallas' }]);
    expect(plan.hubspotWrites).toEqual({ warp_credit_limit: '1000.00', warp_payment_terms: '30', name: 'Acme Telecom' });
    expect(plan.newBases).toEqual({ 'address.city': 'Dallas' });
    const refused = plan.decisions.filter((d) => d.decision.action === 'PUSH_TO_HUBSPOT');
    expect(refused.map((d) => [d.warpField, d.hubspotValue, d.decision])).toEqual([
      [
        'credit_limit',
        '-5.00',
        {
          action: 'PUSH_TO_HUBSPOT',
          value: '1000.00',
          reason: 'WARP_REJECTS_VALUE',
          rejected: 'credit_limit -5.00 is below the minimum 0.00',
        },
      ],
      [
        'payment_terms',
        '400',
        { action: 'PUSH_TO_HUBSPOT', value: '30', reason: 'WARP_REJECTS_VALUE', rejected: 'payment_terms 400 is above the maximum 365' },
      ],
      [
        'company_name',
        longName,
        {
          action: 'PUSH_TO_HUBSPOT',
          value: 'Acme Telecom',
          reason: 'WARP_REJECTS_VALUE',
          rejected: 'company_name is 300 characters long; WARP allows at most 255',
        },
      ],
    ]);
  });

  it('a first sync never fills WARP with a value it would refuse', () => {
    const customer = { ...acmeCustomer(), credit_limit: null, address: { ...acmeCustomer().address, city: undefined } };
    const properties = { ...acmeCompany(), warp_credit_limit: '10000000000', city: 'C'.repeat(101) };
    const plan = planCustomerSync(acmeInput({ warp: { customer }, hubspot: { properties }, fieldStates: {} }));
    expect(plan.warpWrites).toEqual([]);
    expect(plan.hubspotWrites).toEqual({ warp_credit_limit: '', city: '' });
    expect(plan.newBases).toMatchObject({ credit_limit: null, 'address.city': null });
  });

  it('never touches a disabled field', () => {
    const disabled = resolveMappings(DEFAULT_FIELD_MAPPINGS, [
      { ...DEFAULT_FIELD_MAPPINGS.find((m) => m.warpField === 'address.city')!, enabled: false },
    ]);
    const properties = { ...acmeCompany(), city: 'Dallas' };
    const plan = planCustomerSync(acmeInput({ mappings: disabled, hubspot: { properties } }));
    nothingToDo(plan);
    expect(actions(plan)['address.city']).toBe('SKIP DISABLED');
  });
});
