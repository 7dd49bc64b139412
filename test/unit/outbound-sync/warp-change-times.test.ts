import { describe, expect, it } from 'vitest';
import { lastWarpChange, type OutboxChange } from '../../../shared/sync-store/warp-change-times.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute));
const row = (operation: OutboxChange['operation'], changedFields: string[], minute: number): OutboxChange => ({
  operation,
  changedFields,
  changedAt: at(minute),
});

describe('lastWarpChange', () => {
  it('takes the newest row that changed the field; a CREATE changes every field', () => {
    const rows = [row('CREATE', [], 1), row('UPDATE', ['company_name'], 5), row('UPDATE', ['legal_name'], 9)];
    expect(lastWarpChange('company_name', rows, null)).toEqual(at(5));
    expect(lastWarpChange('contact.email', rows, null)).toEqual(at(1));
  });

  it('never counts a RESYNC, even one naming the field: it asks for a re-check, it changes nothing', () => {
    const rows = [row('UPDATE', ['company_name'], 5), row('RESYNC', ['company_name'], 30), row('RESYNC', [], 31)];
    expect(lastWarpChange('company_name', rows, null)).toEqual(at(5));
    expect(lastWarpChange('legal_name', [row('RESYNC', ['legal_name'], 30)], at(2))).toEqual(at(2));
    expect(lastWarpChange('legal_name', [row('RESYNC', ['legal_name'], 30)], null)).toBeNull();
  });

  it('matches parents and children of the field: `address` covers `address.city` and back', () => {
    expect(lastWarpChange('address.city', [row('UPDATE', ['address'], 7)], null)).toEqual(at(7));
    expect(lastWarpChange('address', [row('UPDATE', ['address.city'], 8)], null)).toEqual(at(8));
    expect(lastWarpChange('address.city', [row('UPDATE', ['address.cityname', 'addresses'], 8)], null)).toBeNull();
  });

  it('keeps the time the field state knows when it is newer than every row', () => {
    expect(lastWarpChange('company_name', [row('UPDATE', ['company_name'], 5)], at(20))).toEqual(at(20));
    expect(lastWarpChange('company_name', [row('UPDATE', ['company_name'], 25)], at(20))).toEqual(at(25));
    expect(lastWarpChange('company_name', [], undefined)).toBeNull();
  });
});
