import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { DEFAULT_FIELD_MAPPINGS } from '../../../shared/sync/default-mapping.js';
import { fieldMappingSchema, fieldMappingsSchema, resolveMappings, type FieldMapping } from '../../../shared/sync/field-mapping.js';

const mapping = (over: Partial<FieldMapping> = {}): FieldMapping => ({
  warpField: 'legal_name',
  hubspotProperty: 'warp_legal_name',
  direction: 'BIDIRECTIONAL',
  conflictRule: 'LATEST_WINS',
  transform: { name: 'text' },
  ...over,
});

const messages = (input: unknown, schema: typeof fieldMappingSchema | typeof fieldMappingsSchema = fieldMappingSchema) => {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};

describe('DEFAULT_FIELD_MAPPINGS', () => {
  it('is a valid mapping set', () => {
    expect(messages(DEFAULT_FIELD_MAPPINGS, fieldMappingsSchema)).toEqual([]);
  });

  it('has the directions and rules the issue asks for', () => {
    const summary = Object.fromEntries(
      DEFAULT_FIELD_MAPPINGS.map((m) => [m.warpField, `${m.hubspotProperty} ${m.direction} ${m.conflictRule}`]),
    );
    expect(summary).toEqual({
      ban: 'warp_ban WARP_TO_HUBSPOT WARP_WINS',
      status: 'warp_status WARP_TO_HUBSPOT WARP_WINS',
      current_balance: 'warp_current_balance WARP_TO_HUBSPOT WARP_WINS',
      prepaid_balance: 'warp_prepaid_balance WARP_TO_HUBSPOT WARP_WINS',
      customer_type: 'warp_customer_type WARP_TO_HUBSPOT WARP_WINS',
      billing_cycle: 'warp_billing_cycle WARP_TO_HUBSPOT WARP_WINS',
      credit_limit: 'warp_credit_limit HUBSPOT_TO_WARP HUBSPOT_WINS',
      payment_terms: 'warp_payment_terms HUBSPOT_TO_WARP HUBSPOT_WINS',
      company_name: 'name BIDIRECTIONAL LATEST_WINS',
      legal_name: 'warp_legal_name BIDIRECTIONAL LATEST_WINS',
      'contact.email': 'warp_contact_email BIDIRECTIONAL LATEST_WINS',
      'contact.phone': 'phone BIDIRECTIONAL LATEST_WINS',
      'address.line1': 'address BIDIRECTIONAL LATEST_WINS',
      'address.line2': 'address2 BIDIRECTIONAL LATEST_WINS',
      'address.city': 'city BIDIRECTIONAL LATEST_WINS',
      'address.state': 'state BIDIRECTIONAL LATEST_WINS',
      'address.zip': 'zip BIDIRECTIONAL LATEST_WINS',
      'address.country': 'country BIDIRECTIONAL LATEST_WINS',
      'external_ids.hubspot_company_id': 'hs_object_id NONE WARP_WINS',
    });
  });
});

describe('fieldMappingSchema', () => {
  it('accepts a well-formed mapping', () => {
    expect(messages(mapping())).toEqual([]);
    expect(
      messages(mapping({ warpField: 'credit_limit', hubspotProperty: 'warp_credit_cents', transform: { name: 'money_cents' } })),
    ).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['unknown WARP field', mapping({ warpField: 'address.planet' }), /unknown WARP field/],
    ['inherited key as field', mapping({ warpField: 'constructor' }), /unknown WARP field/],
    ['unknown transform', { ...mapping(), transform: { name: 'rot13' } }, /Invalid/],
    ['extra transform options', { ...mapping(), transform: { name: 'text', upper: true } }, /Unrecognized key|Invalid/],
    ['money on a text field', mapping({ transform: { name: 'money' } }), /does not fit a text field/],
    ['text on a money field', mapping({ warpField: 'credit_limit', transform: { name: 'text' } }), /does not fit a money field/],
    [
      'enum missing a value',
      mapping({ warpField: 'status', transform: { name: 'enum', values: { ACTIVE: 'active' } } }),
      /must map exactly/,
    ],
    [
      'enum with a value WARP does not have',
      mapping({
        warpField: 'billing_cycle',
        transform: { name: 'enum', values: { WEEKLY: 'w', MONTHLY: 'm', QUARTERLY: 'q', ANNUAL: 'a', DAILY: 'd' } },
      }),
      /must map exactly/,
    ],
    [
      'enum mapping two values to one option',
      mapping({
        warpField: 'customer_type',
        direction: 'WARP_TO_HUBSPOT',
        transform: { name: 'enum', values: { PREPAID: 'x', POSTPAID: 'x', RESELLER: 'r' } },
      }),
      /distinct/,
    ],
    ['bad HubSpot property name', mapping({ hubspotProperty: 'Warp Legal Name' }), /HubSpot internal property name/],
    ['unknown direction', { ...mapping(), direction: 'SIDEWAYS' }, /Invalid/],
    ['unknown rule', { ...mapping(), conflictRule: 'COIN_FLIP' }, /Invalid/],
    ['unknown key', { ...mapping(), priority: 1 }, /Unrecognized key/],
    [
      'HubSpot writing a WARP-computed field',
      mapping({ warpField: 'current_balance', transform: { name: 'money' } }),
      /not writable by the sync/,
    ],
    ['syncing into the BAN', mapping({ warpField: 'ban', direction: 'HUBSPOT_TO_WARP' }), /not writable by the sync/],
    [
      'writing a read-only HubSpot property',
      mapping({ hubspotProperty: 'hs_object_id', direction: 'WARP_TO_HUBSPOT' }),
      /read-only in HubSpot/,
    ],
  ])('rejects %s', (_name, input, message) => {
    expect(messages(input).join('; ')).toMatch(message);
  });
});

describe('fieldMappingsSchema', () => {
  it('rejects a WARP field mapped twice', () => {
    expect(messages([mapping(), mapping({ hubspotProperty: 'other' })], fieldMappingsSchema)).toEqual(['duplicate warpField "legal_name"']);
  });

  it('rejects a HubSpot property fed by two fields', () => {
    expect(messages([mapping(), mapping({ warpField: 'company_name' })], fieldMappingsSchema)).toEqual([
      'duplicate hubspotProperty "warp_legal_name"',
    ]);
  });
});

describe('resolveMappings', () => {
  const global = [mapping(), mapping({ warpField: 'company_name', hubspotProperty: 'name' })];

  it('is the global mapping when there are no overrides', () => {
    expect(resolveMappings(global, [])).toEqual(global);
  });

  it('replaces direction, rule, transform and enabled of the overridden field only', () => {
    const override = mapping({ direction: 'WARP_TO_HUBSPOT', conflictRule: 'MANUAL', transform: { name: 'identity' }, enabled: false });
    expect(resolveMappings(global, [override])).toEqual([override, global[1]]);
  });

  it('keeps the global enabled flag when the override does not set one', () => {
    const disabledGlobal = [mapping({ enabled: false })];
    expect(resolveMappings(disabledGlobal, [mapping({ conflictRule: 'MANUAL' })])[0]?.enabled).toBe(false);
  });

  const rejects = (overrides: FieldMapping[], message: RegExp) => {
    try {
      resolveMappings(global, overrides);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify((err as AppError).details)).toMatch(message);
      return;
    }
    expect.fail('resolveMappings accepted invalid overrides');
  };

  it('rejects an override of a field the global mapping does not have', () => {
    rejects([mapping({ warpField: 'address.city', hubspotProperty: 'city' })], /no global mapping for \\"address.city\\"/);
  });

  it('rejects an override that re-points the HubSpot property', () => {
    rejects([mapping({ hubspotProperty: 'legal' })], /cannot change the HubSpot property/);
  });

  it('rejects two overrides of the same field', () => {
    rejects([mapping(), mapping({ conflictRule: 'MANUAL' })], /duplicate override/);
  });

  it('rejects an override whose transform does not fit', () => {
    rejects([mapping({ transform: { name: 'integer' } })], /does not fit a text field/);
  });
});
