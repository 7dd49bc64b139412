import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { assertWarpMayWrite, effectiveMappings, type OwnershipMapping } from '../../../shared/customers/field-ownership.js';

const mapping = (warpField: string, direction: OwnershipMapping['direction'], enabled = true): OwnershipMapping => ({
  warpField,
  direction,
  enabled,
});

function refused(fields: string[], mappings: OwnershipMapping[]): unknown {
  try {
    assertWarpMayWrite(fields, mappings);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('FIELD_OWNED_BY_HUBSPOT');
    return (err as AppError).details?.fields;
  }
}

describe('assertWarpMayWrite', () => {
  const defaults = [
    mapping('credit_limit', 'HUBSPOT_TO_WARP'),
    mapping('payment_terms', 'HUBSPOT_TO_WARP'),
    mapping('company_name', 'BIDIRECTIONAL'),
    mapping('address.city', 'HUBSPOT_TO_WARP'),
  ];

  it('names every changed field HubSpot owns', () => {
    expect(refused(['company_name', 'credit_limit', 'payment_terms'], defaults)).toEqual(['credit_limit', 'payment_terms']);
  });
  it('allows fields mapped any other way, or not at all', () => {
    expect(refused(['company_name', 'status', 'contact.email'], defaults)).toBeUndefined();
  });
  it('owns nothing without mapping rows', () => {
    expect(refused(['credit_limit', 'payment_terms'], [])).toBeUndefined();
  });
  it('ignores disabled mappings', () => {
    expect(refused(['credit_limit'], [mapping('credit_limit', 'HUBSPOT_TO_WARP', false)])).toBeUndefined();
  });
  it('matches nested paths both ways (a mapped key inside a changed object, a changed key inside a mapped object)', () => {
    expect(refused(['address.city'], defaults)).toEqual(['address.city']);
    expect(refused(['address.zip'], defaults)).toBeUndefined();
    expect(refused(['contact.email'], [mapping('contact', 'HUBSPOT_TO_WARP')])).toEqual(['contact.email']);
    expect(refused(['credit_limit_note'], defaults)).toBeUndefined();
  });
});

describe('effectiveMappings', () => {
  it("lets a customer's override replace the global row of the same field", () => {
    const rows = [
      { customer_id: 'c1', warp_field: 'credit_limit', direction: 'BIDIRECTIONAL' as const, enabled: true },
      { customer_id: null, warp_field: 'credit_limit', direction: 'HUBSPOT_TO_WARP' as const, enabled: true },
      { customer_id: null, warp_field: 'payment_terms', direction: 'HUBSPOT_TO_WARP' as const, enabled: true },
    ];
    expect(effectiveMappings(rows)).toEqual([mapping('credit_limit', 'BIDIRECTIONAL'), mapping('payment_terms', 'HUBSPOT_TO_WARP')]);
  });
});
