import { describe, expect, it } from 'vitest';
import { toRecord } from '../../../shared/hubspot/client/api-client-companies.js';

const company = (timestamp: Date) => ({
  id: '42',
  properties: { name: 'Acme' },
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-03-01T10:00:00Z'),
  archived: false,
  propertiesWithHistory: { name: [{ value: 'Acme', timestamp, sourceType: 'CRM_UI', sourceId: 'userId:1' }] },
});

describe('toRecord', () => {
  it('keeps the times of a history as the client parsed them', () => {
    const record = toRecord(company(new Date('2026-03-01T10:00:00.123Z')));
    expect(record).toMatchObject({ id: '42', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z' });
    expect(record.propertiesWithHistory).toEqual({
      name: [{ value: 'Acme', timestamp: new Date('2026-03-01T10:00:00.123Z'), sourceType: 'CRM_UI', sourceId: 'userId:1' }],
    });
  });

  it('refuses a history entry whose timestamp is no time, naming the company and property', () => {
    expect(() => toRecord(company(new Date('yesterday')))).toThrow('history entry of 42.name without a valid timestamp');
    expect(() => toRecord(company(null as unknown as Date))).toThrow('history entry of 42.name without a valid timestamp');
  });
});
