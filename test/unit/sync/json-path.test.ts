import { describe, expect, it } from 'vitest';
import { getPath, setPath } from '../../../shared/sync/json-path.js';

const customer = { company_name: 'Acme', address: { city: 'Austin', zip: '78701' }, contact: null };

describe('getPath', () => {
  it('reads columns and nested JSON keys', () => {
    expect(getPath(customer, 'company_name')).toBe('Acme');
    expect(getPath(customer, 'address.city')).toBe('Austin');
  });

  it('is undefined for missing steps and null or non-object parents', () => {
    expect(getPath(customer, 'legal_name')).toBeUndefined();
    expect(getPath(customer, 'contact.email')).toBeUndefined();
    expect(getPath(customer, 'company_name.length')).toBeUndefined();
  });
});

describe('setPath', () => {
  it('returns a new object and leaves the input untouched', () => {
    const updated = setPath(customer, 'address.city', 'Dallas');
    expect(updated).toEqual({ ...customer, address: { city: 'Dallas', zip: '78701' } });
    expect(customer.address.city).toBe('Austin');
    expect(updated.address).not.toBe(customer.address);
  });

  it('sets top-level columns', () => {
    expect(setPath(customer, 'company_name', 'Beta')).toEqual({ ...customer, company_name: 'Beta' });
  });

  it('creates missing or null parents', () => {
    expect(setPath(customer, 'contact.email', 'a@b.co')).toEqual({ ...customer, contact: { email: 'a@b.co' } });
    expect(setPath({}, 'external_ids.hubspot_company_id', '42')).toEqual({ external_ids: { hubspot_company_id: '42' } });
  });

  it('refuses to replace a non-object parent', () => {
    expect(() => setPath(customer, 'company_name.first', 'x')).toThrow(/not an object/);
  });

  it.each(['__proto__.polluted', 'constructor', 'Address.city', 'address..city', ''])('rejects path %j', (path) => {
    expect(() => setPath({}, path, 1)).toThrow(/invalid field path/);
    expect(() => getPath({}, path)).toThrow(/invalid field path/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
