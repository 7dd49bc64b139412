import { describe, expect, it } from 'vitest';
import {
  decideField,
  hubspotOffBase,
  isStaleHubspotEvent,
  type FieldDecision,
  type FieldDecisionInput,
  type OpenConflict,
  type RuleReason,
} from '../../../shared/sync/decide-field.js';
import { CONFLICT_RULES, type ConflictRule, type Direction } from '../../../shared/sync/field-mapping.js';
import type { Canonical } from '../../../shared/sync/transforms.js';

const T1 = new Date('2026-03-01T10:00:00.000Z');
const T2 = new Date('2026-03-01T10:00:05.000Z');

const inSync = (value: Canonical): FieldDecision => ({ action: 'IN_SYNC', value });
const push = (value: Canonical, reason: RuleReason): FieldDecision => ({ action: 'PUSH_TO_HUBSPOT', value, reason });
const pull = (value: Canonical, reason: RuleReason): FieldDecision => ({ action: 'PULL_TO_WARP', value, reason });
/** WARP's value goes back to HubSpot because WARP refused HubSpot's; `rejected` names the rule. */
const putBack = (value: Canonical, rejected: string): FieldDecision => ({
  action: 'PUSH_TO_HUBSPOT',
  value,
  reason: 'WARP_REJECTS_VALUE',
  rejected,
});
const open = (warpValue: Canonical, hubspotValue: Canonical, warpChangedAt: Date | null, hubspotChangedAt: Date | null): FieldDecision => ({
  action: 'OPEN_CONFLICT',
  warpValue,
  hubspotValue,
  warpChangedAt,
  hubspotChangedAt,
});
const pending: FieldDecision = { action: 'SKIP', reason: 'CONFLICT_PENDING' };

/** The same outcome under every conflict rule (one-way fields: the owner decides, not the rule). */
const anyRule = (outcome: FieldDecision): Record<ConflictRule, FieldDecision> => ({
  WARP_WINS: outcome,
  HUBSPOT_WINS: outcome,
  LATEST_WINS: outcome,
  MANUAL: outcome,
});

interface Case {
  name: string;
  base: Canonical | undefined;
  warp: [Canonical, Date | null];
  hubspot: [Canonical, Date | null];
  openConflict?: OpenConflict;
  WARP_TO_HUBSPOT: FieldDecision;
  HUBSPOT_TO_WARP: FieldDecision;
  BIDIRECTIONAL: Record<ConflictRule, FieldDecision>;
}

const conflictWH = (warpAt: Date | null, hubspotAt: Date | null, latestWins: FieldDecision): Omit<Case, 'name' | 'base'> => ({
  warp: ['W', warpAt],
  hubspot: ['H', hubspotAt],
  WARP_TO_HUBSPOT: push('W', 'OWNER_WINS'),
  HUBSPOT_TO_WARP: pull('H', 'OWNER_WINS'),
  BIDIRECTIONAL: {
    WARP_WINS: push('W', 'WARP_WINS'),
    HUBSPOT_WINS: pull('H', 'HUBSPOT_WINS'),
    LATEST_WINS: latestWins,
    MANUAL: open('W', 'H', warpAt, hubspotAt),
  },
});

const CASES: Case[] = [
  {
    name: 'equal values',
    base: 'B',
    warp: ['W', T1],
    hubspot: ['W', T2],
    WARP_TO_HUBSPOT: inSync('W'),
    HUBSPOT_TO_WARP: inSync('W'),
    BIDIRECTIONAL: anyRule(inSync('W')),
  },
  {
    name: 'only WARP moved',
    base: 'B',
    warp: ['W', T2],
    hubspot: ['B', T1],
    WARP_TO_HUBSPOT: push('W', 'WARP_CHANGED'),
    HUBSPOT_TO_WARP: pull('B', 'OWNER_WINS'),
    BIDIRECTIONAL: anyRule(push('W', 'WARP_CHANGED')),
  },
  {
    name: 'only HubSpot moved',
    base: 'B',
    warp: ['B', T1],
    hubspot: ['H', T2],
    WARP_TO_HUBSPOT: push('B', 'OWNER_WINS'),
    HUBSPOT_TO_WARP: pull('H', 'HUBSPOT_CHANGED'),
    BIDIRECTIONAL: anyRule(pull('H', 'HUBSPOT_CHANGED')),
  },
  {
    name: 'only WARP moved, to empty',
    base: 'B',
    warp: [null, T2],
    hubspot: ['B', T1],
    WARP_TO_HUBSPOT: push(null, 'WARP_CHANGED'),
    HUBSPOT_TO_WARP: pull('B', 'OWNER_WINS'),
    BIDIRECTIONAL: anyRule(push(null, 'WARP_CHANGED')),
  },
  {
    name: 'agreed empty base, WARP set a value',
    base: null,
    warp: ['W', T2],
    hubspot: [null, T1],
    WARP_TO_HUBSPOT: push('W', 'WARP_CHANGED'),
    HUBSPOT_TO_WARP: pull(null, 'OWNER_WINS'),
    BIDIRECTIONAL: anyRule(push('W', 'WARP_CHANGED')),
  },
  {
    name: 'agreed empty base, HubSpot set a value',
    base: null,
    warp: [null, T1],
    hubspot: ['H', T2],
    WARP_TO_HUBSPOT: push(null, 'OWNER_WINS'),
    HUBSPOT_TO_WARP: pull('H', 'HUBSPOT_CHANGED'),
    BIDIRECTIONAL: anyRule(pull('H', 'HUBSPOT_CHANGED')),
  },
  {
    name: 'both moved to the same value',
    base: 'B',
    warp: ['X', T1],
    hubspot: ['X', T2],
    WARP_TO_HUBSPOT: inSync('X'),
    HUBSPOT_TO_WARP: inSync('X'),
    BIDIRECTIONAL: anyRule(inSync('X')),
  },
  { name: 'both moved apart, WARP later', base: 'B', ...conflictWH(T2, T1, push('W', 'LATEST_WINS')) },
  { name: 'both moved apart, HubSpot later', base: 'B', ...conflictWH(T1, T2, pull('H', 'LATEST_WINS')) },
  { name: 'both moved apart, same instant (tie goes to WARP)', base: 'B', ...conflictWH(T1, new Date(T1), push('W', 'LATEST_WINS')) },
  { name: 'both moved apart, WARP time unknown', base: 'B', ...conflictWH(null, T1, pull('H', 'LATEST_WINS')) },
  { name: 'both moved apart, HubSpot time unknown', base: 'B', ...conflictWH(T1, null, push('W', 'LATEST_WINS')) },
  { name: 'both moved apart, both times unknown (WARP)', base: 'B', ...conflictWH(null, null, push('W', 'LATEST_WINS')) },
  {
    name: 'no base, WARP empty (owner or not, the empty side is filled)',
    base: undefined,
    warp: [null, null],
    hubspot: ['H', T1],
    WARP_TO_HUBSPOT: pull('H', 'FILL_EMPTY'),
    HUBSPOT_TO_WARP: pull('H', 'FILL_EMPTY'),
    BIDIRECTIONAL: anyRule(pull('H', 'FILL_EMPTY')),
  },
  {
    name: 'no base, HubSpot empty',
    base: undefined,
    warp: ['W', T1],
    hubspot: [null, null],
    WARP_TO_HUBSPOT: push('W', 'FILL_EMPTY'),
    HUBSPOT_TO_WARP: push('W', 'FILL_EMPTY'),
    BIDIRECTIONAL: anyRule(push('W', 'FILL_EMPTY')),
  },
  {
    name: 'no base, both empty',
    base: undefined,
    warp: [null, null],
    hubspot: [null, null],
    WARP_TO_HUBSPOT: inSync(null),
    HUBSPOT_TO_WARP: inSync(null),
    BIDIRECTIONAL: anyRule(inSync(null)),
  },
  {
    name: 'no base, same value',
    base: undefined,
    warp: ['S', T2],
    hubspot: ['S', T1],
    WARP_TO_HUBSPOT: inSync('S'),
    HUBSPOT_TO_WARP: inSync('S'),
    BIDIRECTIONAL: anyRule(inSync('S')),
  },
  { name: 'no base, different values, HubSpot later', base: undefined, ...conflictWH(T1, T2, pull('H', 'LATEST_WINS')) },
  { name: 'no base, different values, WARP later', base: undefined, ...conflictWH(T2, T1, push('W', 'LATEST_WINS')) },
  {
    name: 'open MANUAL conflict, nothing moved since',
    base: 'B',
    warp: ['W', T1],
    hubspot: ['H', T2],
    openConflict: { warpValue: 'W', hubspotValue: 'H', warpChangedAt: T1, hubspotChangedAt: T2 },
    WARP_TO_HUBSPOT: push('W', 'OWNER_WINS'),
    HUBSPOT_TO_WARP: pull('H', 'OWNER_WINS'),
    BIDIRECTIONAL: {
      WARP_WINS: push('W', 'WARP_WINS'),
      HUBSPOT_WINS: pull('H', 'HUBSPOT_WINS'),
      LATEST_WINS: pull('H', 'LATEST_WINS'),
      MANUAL: pending,
    },
  },
  {
    name: 'open MANUAL conflict, WARP moved again (conflict refreshed)',
    base: 'B',
    warp: ['W2', T2],
    hubspot: ['H', T1],
    openConflict: { warpValue: 'W', hubspotValue: 'H', warpChangedAt: null, hubspotChangedAt: T1 },
    WARP_TO_HUBSPOT: push('W2', 'OWNER_WINS'),
    HUBSPOT_TO_WARP: pull('H', 'OWNER_WINS'),
    BIDIRECTIONAL: {
      WARP_WINS: push('W2', 'WARP_WINS'),
      HUBSPOT_WINS: pull('H', 'HUBSPOT_WINS'),
      LATEST_WINS: push('W2', 'LATEST_WINS'),
      MANUAL: open('W2', 'H', T2, T1),
    },
  },
  {
    name: 'open MANUAL conflict, sides now agree (closes it)',
    base: 'B',
    warp: ['X', T2],
    hubspot: ['X', T1],
    openConflict: { warpValue: 'W', hubspotValue: 'H', warpChangedAt: T1, hubspotChangedAt: T1 },
    WARP_TO_HUBSPOT: inSync('X'),
    HUBSPOT_TO_WARP: inSync('X'),
    BIDIRECTIONAL: anyRule(inSync('X')),
  },
];

function inputFor(c: Case, direction: Direction, conflictRule: ConflictRule, enabled?: boolean): FieldDecisionInput {
  return {
    mapping: { warpField: 'legal_name', direction, conflictRule, enabled },
    base: c.base,
    warp: { value: c.warp[0], changedAt: c.warp[1] },
    hubspot: { value: c.hubspot[0], changedAt: c.hubspot[1] },
    openConflict: c.openConflict ?? null,
  };
}

describe('decideField: every direction x rule x case', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      for (const rule of CONFLICT_RULES) {
        it(`WARP_TO_HUBSPOT / ${rule}`, () => {
          expect(decideField(inputFor(c, 'WARP_TO_HUBSPOT', rule))).toEqual(c.WARP_TO_HUBSPOT);
        });
        it(`HUBSPOT_TO_WARP / ${rule}`, () => {
          expect(decideField(inputFor(c, 'HUBSPOT_TO_WARP', rule))).toEqual(c.HUBSPOT_TO_WARP);
        });
        it(`BIDIRECTIONAL / ${rule}`, () => {
          expect(decideField(inputFor(c, 'BIDIRECTIONAL', rule))).toEqual(c.BIDIRECTIONAL[rule]);
        });
        it(`NONE / ${rule} never writes`, () => {
          expect(decideField(inputFor(c, 'NONE', rule))).toEqual({ action: 'SKIP', reason: 'DIRECTION_NONE' });
        });
        it(`disabled BIDIRECTIONAL / ${rule} never writes`, () => {
          expect(decideField(inputFor(c, 'BIDIRECTIONAL', rule, false))).toEqual({ action: 'SKIP', reason: 'DISABLED' });
        });
      }
    });
  }
});

function input(
  warpField: string,
  direction: Direction,
  base: Canonical | undefined,
  warp: Canonical,
  hubspot: Canonical,
  conflictRule: ConflictRule = 'HUBSPOT_WINS',
  openConflict: OpenConflict | null = null,
): FieldDecisionInput {
  return {
    mapping: { warpField, direction, conflictRule },
    base,
    warp: { value: warp, changedAt: T1 },
    hubspot: { value: hubspot, changedAt: T2 },
    openConflict,
  };
}

describe('decideField: values WARP cannot take', () => {
  const decide = (warpField: string, direction: Direction, base: Canonical | undefined, warp: Canonical, hubspot: Canonical) =>
    decideField(input(warpField, direction, base, warp, hubspot, 'LATEST_WINS'));
  const REQUIRED = (field: string) => `${field} is required: WARP cannot hold an empty value`;

  it('HubSpot emptying a required field puts WARP value back', () => {
    expect(decide('company_name', 'BIDIRECTIONAL', 'Acme', 'Acme', null)).toEqual(putBack('Acme', REQUIRED('company_name')));
  });

  it('a later empty HubSpot value does not win LATEST_WINS on a required field', () => {
    expect(decide('contact.email', 'BIDIRECTIONAL', 'a@x.io', 'b@x.io', null)).toEqual(putBack('b@x.io', REQUIRED('contact.email')));
  });

  it('a HubSpot-owned required field emptied in HubSpot is refilled from WARP', () => {
    expect(decide('payment_terms', 'HUBSPOT_TO_WARP', '30', '30', null)).toEqual(putBack('30', REQUIRED('payment_terms')));
  });

  it('an optional field may be emptied from HubSpot', () => {
    expect(decide('credit_limit', 'HUBSPOT_TO_WARP', '10.00', '10.00', null)).toEqual(pull(null, 'HUBSPOT_CHANGED'));
  });

  it('a required field may still be filled from HubSpot', () => {
    expect(decide('company_name', 'BIDIRECTIONAL', undefined, null, 'Acme')).toEqual(pull('Acme', 'FILL_EMPTY'));
  });

  it('a field the sync may not write in WARP is never pulled, even to fill it', () => {
    expect(decide('current_balance', 'WARP_TO_HUBSPOT', undefined, null, '5.00')).toEqual(
      putBack(null, 'current_balance is not written by the sync (WARP computes or owns it)'),
    );
  });
});

describe("decideField: HubSpot values outside the customers table's limits", () => {
  const long = (n: number) => 'x'.repeat(n);
  const TOO_LONG = (field: string, n: number, max: number) => `${field} is ${n} characters long; WARP allows at most ${max}`;

  /** [field, direction, WARP value, HubSpot value, why WARP refuses it]; base = WARP value (only HubSpot moved). */
  const REJECTED: Array<[string, Direction, Canonical, Canonical, string]> = [
    ['credit_limit', 'HUBSPOT_TO_WARP', '1000.00', '-5.00', 'credit_limit -5.00 is below the minimum 0.00'],
    ['credit_limit', 'HUBSPOT_TO_WARP', '1000.00', '-0.01', 'credit_limit -0.01 is below the minimum 0.00'],
    ['credit_limit', 'HUBSPOT_TO_WARP', '1000.00', '10000000000.00', 'credit_limit 10000000000.00 is above the maximum 9999999999.99'],
    ['credit_limit', 'HUBSPOT_TO_WARP', null, '12.345', 'credit_limit must have at most 2 decimal places'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '30', '-1', 'payment_terms -1 is below the minimum 0'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '30', '366', 'payment_terms 366 is above the maximum 365'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '30', '400', 'payment_terms 400 is above the maximum 365'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '30', '30.5', 'payment_terms must be a whole number'],
    ['company_name', 'BIDIRECTIONAL', 'Acme', long(256), TOO_LONG('company_name', 256, 255)],
    ['company_name', 'BIDIRECTIONAL', 'Acme', long(300), TOO_LONG('company_name', 300, 255)],
    ['company_name', 'BIDIRECTIONAL', 'Acme', '   ', 'company_name is required: WARP cannot hold an empty value'],
    ['legal_name', 'BIDIRECTIONAL', 'Acme LLC', long(256), TOO_LONG('legal_name', 256, 255)],
    ['legal_name', 'HUBSPOT_TO_WARP', null, long(256), TOO_LONG('legal_name', 256, 255)],
    ['address.city', 'BIDIRECTIONAL', 'Austin', long(101), TOO_LONG('address.city', 101, 100)],
    ['address.zip', 'BIDIRECTIONAL', '78701', long(21), TOO_LONG('address.zip', 21, 20)],
    ['contact.email', 'BIDIRECTIONAL', 'a@x.io', `${long(311)}@x.example`, TOO_LONG('contact.email', 321, 320)],
    ['contact.email', 'BIDIRECTIONAL', 'a@x.io', 'Not An Email', 'contact.email is not a valid email: not an email address'],
    [
      'contact.phone',
      'BIDIRECTIONAL',
      '+12125550100',
      'call me',
      'contact.phone is not a valid phone: not a phone number (7 to 15 digits)',
    ],
    ['status', 'HUBSPOT_TO_WARP', 'ACTIVE', 'ARCHIVED', 'status must be one of ACTIVE, SUSPENDED, TRIAL, CLOSED'],
  ];

  for (const [field, direction, warp, hubspot, rejected] of REJECTED) {
    const label = `${field} = ${JSON.stringify(hubspot).slice(0, 24)} (${direction})`;
    it(`${label}: put back, never pulled`, () => {
      expect(decideField(input(field, direction, warp, warp, hubspot))).toEqual(putBack(warp, rejected));
    });
  }

  /** The edges themselves are values WARP takes: the guard must not refuse them. */
  const ACCEPTED: Array<[string, Direction, Canonical]> = [
    ['credit_limit', 'HUBSPOT_TO_WARP', '0.00'],
    ['credit_limit', 'HUBSPOT_TO_WARP', '9999999999.99'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '0'],
    ['payment_terms', 'HUBSPOT_TO_WARP', '365'],
    ['company_name', 'BIDIRECTIONAL', long(255)],
    ['legal_name', 'BIDIRECTIONAL', long(255)],
    ['address.city', 'BIDIRECTIONAL', long(100)],
    ['contact.email', 'BIDIRECTIONAL', `${long(310)}@x.example`],
    ['contact.phone', 'BIDIRECTIONAL', '+442079460958'],
  ];

  for (const [field, direction, hubspot] of ACCEPTED) {
    it(`${field} = ${JSON.stringify(hubspot).slice(0, 24)} is pulled`, () => {
      expect(decideField(input(field, direction, 'B', 'B', hubspot))).toEqual(pull(hubspot, 'HUBSPOT_CHANGED'));
    });
  }

  const NEGATIVE = 'credit_limit -5.00 is below the minimum 0.00';
  const TOO_LONG_NAME = TOO_LONG('company_name', 256, 255);

  it.each<[string, FieldDecisionInput]>([
    ['first sync, WARP empty (fill)', input('credit_limit', 'HUBSPOT_TO_WARP', undefined, null, '-5.00')],
    ['first sync, both set, HubSpot owns the field', input('credit_limit', 'HUBSPOT_TO_WARP', undefined, '10.00', '-5.00')],
    ['conflict, HUBSPOT_WINS', input('credit_limit', 'BIDIRECTIONAL', '1.00', '10.00', '-5.00', 'HUBSPOT_WINS')],
    ['conflict, HubSpot later under LATEST_WINS', input('credit_limit', 'BIDIRECTIONAL', '1.00', '10.00', '-5.00', 'LATEST_WINS')],
  ])('%s: a negative credit limit is put back', (_name, decisionInput) => {
    expect(decideField(decisionInput)).toEqual(putBack(decisionInput.warp.value, NEGATIVE));
  });

  it('a MANUAL conflict is not opened over a value WARP cannot hold', () => {
    const decision = decideField(input('company_name', 'BIDIRECTIONAL', 'Acme', 'Acme WARP', long(256), 'MANUAL'));
    expect(decision).toEqual(putBack('Acme WARP', TOO_LONG_NAME));
  });

  it('nor held pending, nor refreshed, when HubSpot moves to such a value', () => {
    const pendingBad: OpenConflict = { warpValue: 'Acme WARP', hubspotValue: long(256), warpChangedAt: T1, hubspotChangedAt: T2 };
    const held = input('company_name', 'BIDIRECTIONAL', 'Acme', 'Acme WARP', long(256), 'MANUAL', pendingBad);
    expect(decideField(held)).toEqual(putBack('Acme WARP', TOO_LONG_NAME));
    const pendingGood: OpenConflict = { ...pendingBad, hubspotValue: 'Acme HS' };
    const moved = input('company_name', 'BIDIRECTIONAL', 'Acme', 'Acme WARP', long(256), 'MANUAL', pendingGood);
    expect(decideField(moved)).toEqual(putBack('Acme WARP', TOO_LONG_NAME));
  });

  it('a WARP-owned field keeps its owner reason: nothing is pulled, so nothing is refused', () => {
    expect(decideField(input('credit_limit', 'WARP_TO_HUBSPOT', '1.00', '1.00', '-5.00'))).toEqual(push('1.00', 'OWNER_WINS'));
  });
});

describe('isStaleHubspotEvent', () => {
  it('an event older than the known change is stale', () => {
    expect(isStaleHubspotEvent(T2, T1)).toBe(true);
  });
  it('a newer event is not stale', () => {
    expect(isStaleHubspotEvent(T1, T2)).toBe(false);
  });
  it('the same instant (a redelivery) is not stale', () => {
    expect(isStaleHubspotEvent(T1, new Date(T1))).toBe(false);
  });
  it('nothing known yet: never stale', () => {
    expect(isStaleHubspotEvent(null, T1)).toBe(false);
    expect(isStaleHubspotEvent(undefined, T1)).toBe(false);
  });
});

describe('decideField: a HubSpot value our own app wrote', () => {
  const ours = (c: (typeof CASES)[number], direction: Direction, rule: ConflictRule, enabled = true): FieldDecisionInput => {
    const base = inputFor(c, direction, rule, enabled);
    return { ...base, hubspot: { ...base.hubspot, writtenByUs: true } };
  };
  for (const c of CASES) {
    for (const rule of CONFLICT_RULES) {
      it(`${c.name} / ${rule}: WARP's value is put back wherever WARP may write HubSpot, whatever the times`, () => {
        const differs = c.warp[0] !== c.hubspot[0];
        for (const direction of ['WARP_TO_HUBSPOT', 'BIDIRECTIONAL'] as const) {
          const input = ours(c, direction, rule);
          // On the base, HubSpot holds the agreed value: it is WARP that changed.
          const reason = hubspotOffBase(input.base, input.warp.value, input.hubspot.value) ? 'OWN_WRITE_OUTDATED' : 'WARP_CHANGED';
          expect(decideField(input)).toEqual(differs ? push(c.warp[0], reason) : inSync(c.warp[0]));
        }
        // We never write a HubSpot-owned field, so the flag cannot be true there: the rules hold.
        expect(decideField(ours(c, 'HUBSPOT_TO_WARP', rule))).toEqual(c.HUBSPOT_TO_WARP);
        expect(decideField(ours(c, 'NONE', rule))).toEqual({ action: 'SKIP', reason: 'DIRECTION_NONE' });
        expect(decideField(ours(c, 'BIDIRECTIONAL', rule, false))).toEqual({ action: 'SKIP', reason: 'DISABLED' });
      });
    }
  }

  it("an outdated write of ours that is newer than WARP's edit is not pulled by LATEST_WINS", () => {
    const late = {
      mapping: { warpField: 'address.city', direction: 'BIDIRECTIONAL', conflictRule: 'LATEST_WINS' },
      base: 'Springfield',
    } as const;
    const hubspotNewer = { ...late, warp: { value: 'W269 City', changedAt: T1 }, hubspot: { value: 'W116 City', changedAt: T2 } };
    expect(decideField(hubspotNewer)).toEqual(pull('W116 City', 'LATEST_WINS'));
    expect(decideField({ ...hubspotNewer, hubspot: { ...hubspotNewer.hubspot, writtenByUs: true } })).toEqual(
      push('W269 City', 'OWN_WRITE_OUTDATED'),
    );
  });
});

describe("a person's HubSpot edit buried under a write of ours", () => {
  // WARP changed at T1; our write planned from an earlier read landed after the person's edit.
  const BEFORE = new Date('2026-03-01T09:59:59.000Z');
  const buried = (
    rule: ConflictRule,
    direction: Direction,
    edit: { value: Canonical; changedAt: Date },
    warpAt: Date | null = T1,
    { field = 'address.city', current = 'W' }: { field?: string; current?: Canonical } = {},
  ): FieldDecisionInput => ({
    mapping: { warpField: field, direction, conflictRule: rule },
    base: 'W',
    warp: { value: 'W', changedAt: warpAt },
    hubspot: { value: current, changedAt: new Date('2026-03-01T10:00:09.000Z'), writtenByUs: true, buriedEdit: edit },
    // HubSpot shows our write, the agreed value: only a re-check weighs what lies under it.
    recheck: true,
  });

  const restoring = ['LATEST_WINS', 'HUBSPOT_WINS'] as const;
  const keeping = ['WARP_WINS', 'MANUAL'] as const;

  for (const rule of restoring) {
    it(`${rule}: an edit later than WARP's change is pulled (and so written back)`, () => {
      expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 }))).toEqual(pull('H', 'HUBSPOT_EDIT_RESTORED'));
    });
    it(`${rule}: an edit emptying the field is restored too`, () => {
      const emptied = buried(rule, 'BIDIRECTIONAL', { value: null, changedAt: T2 }, T1, { field: 'legal_name' });
      expect(decideField(emptied)).toEqual(pull(null, 'HUBSPOT_EDIT_RESTORED'));
    });
    it(`${rule}: without a re-check, HubSpot on the base plans from its current value alone`, () => {
      const input = buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 });
      expect(decideField({ ...input, recheck: false })).toEqual(inSync('W'));
      expect(decideField({ ...input, recheck: false, hubspot: { ...input.hubspot, value: 'OLD' } })).toEqual(
        pull('H', 'HUBSPOT_EDIT_RESTORED'),
      );
    });
    it(`${rule}: an edit before or at WARP's change was rightly overwritten`, () => {
      for (const changedAt of [BEFORE, T1])
        expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt }))).toEqual(inSync('W'));
    });
    it(`${rule}: an unknown WARP change time proves nothing`, () => {
      expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 }, null))).toEqual(inSync('W'));
    });
    it(`${rule}: an edit holding WARP's value is no news; our outdated write still goes back`, () => {
      expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'W', changedAt: T2 }))).toEqual(inSync('W'));
      expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'W', changedAt: T2 }, T1, { current: 'OLD' }))).toEqual(
        push('W', 'OWN_WRITE_OUTDATED'),
      );
    });
    it(`${rule}: a value WARP cannot hold leaves our write standing, written once`, () => {
      const input = buried(rule, 'BIDIRECTIONAL', { value: null, changedAt: T2 }, T1, { field: 'company_name' });
      expect(decideField(input)).toEqual(inSync('W'));
      expect(decideField({ ...input, hubspot: { ...input.hubspot, value: 'OLD' } })).toEqual(push('W', 'OWN_WRITE_OUTDATED'));
    });
  }

  for (const rule of keeping) {
    it(`${rule}: our write stands`, () => {
      expect(decideField(buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 }))).toEqual(inSync('W'));
    });
  }

  for (const rule of CONFLICT_RULES) {
    it(`${rule}: one-way and disabled fields never restore`, () => {
      expect(decideField(buried(rule, 'WARP_TO_HUBSPOT', { value: 'H', changedAt: T2 }))).toEqual(inSync('W'));
      expect(decideField(buried(rule, 'NONE', { value: 'H', changedAt: T2 }))).toEqual({ action: 'SKIP', reason: 'DIRECTION_NONE' });
      const disabled = buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 });
      expect(decideField({ ...disabled, mapping: { ...disabled.mapping, enabled: false } })).toEqual({
        action: 'SKIP',
        reason: 'DISABLED',
      });
    });
    it(`${rule}: a buried edit counts only while our write is HubSpot's newest change`, () => {
      const input = buried(rule, 'BIDIRECTIONAL', { value: 'H', changedAt: T2 });
      expect(decideField({ ...input, hubspot: { ...input.hubspot, writtenByUs: false } })).toEqual(inSync('W'));
    });
  }
});
