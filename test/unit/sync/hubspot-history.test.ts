import { describe, expect, it } from 'vitest';
import {
  hubspotChangesOf,
  hubspotSideOf,
  isOwnIntegrationChange,
  type PropertiesWithHistory,
} from '../../../shared/sync/hubspot-history.js';

const APP_ID = '1234567';
const at = (iso: string) => new Date(iso);
const history: PropertiesWithHistory = {
  name: [
    { value: 'Acme Inc', timestamp: at('2026-03-01T10:00:05.000Z'), sourceType: 'CRM_UI', sourceId: 'userId:45678' },
    { value: 'Acme', timestamp: at('2026-03-01T09:00:00.000Z'), sourceType: 'INTEGRATION', sourceId: APP_ID },
  ],
  warp_credit_limit: [
    // Out of order on purpose: the latest entry wins, not the first one.
    { value: '500', timestamp: at('2026-02-01T00:00:00Z'), sourceType: 'CRM_UI' },
    { value: '1000', timestamp: at('2026-03-02T00:00:00.000+00:00'), sourceType: 'INTEGRATION', sourceId: APP_ID },
  ],
  city: [],
};

describe('hubspotChangesOf', () => {
  it('gives the planner per-property change times (the newest entry, whatever the order) and the properties our app wrote last', () => {
    const times = { name: at('2026-03-01T10:00:05Z'), warp_credit_limit: at('2026-03-02T00:00:00Z') };
    const buriedEdits = {
      warp_credit_limit: { value: '500', changedAt: at('2026-02-01T00:00:00Z'), sourceType: 'CRM_UI', sourceId: null },
    };
    expect(hubspotChangesOf(history, APP_ID)).toEqual({ changedAt: times, writtenByUs: new Set(['warp_credit_limit']), buriedEdits });
    expect(hubspotChangesOf(history, '999')).toEqual({ changedAt: times, writtenByUs: new Set(), buriedEdits: {} });
    expect(hubspotChangesOf(history, undefined)).toMatchObject({ writtenByUs: new Set(), buriedEdits: {} });
  });

  it('takes the first listed of two entries at the same time', () => {
    const tied: PropertiesWithHistory = {
      name: [
        { value: 'First', timestamp: at('2026-03-01T10:00:00Z'), sourceType: 'CRM_UI' },
        { value: 'Second', timestamp: at('2026-03-01T10:00:00Z'), sourceType: 'INTEGRATION', sourceId: APP_ID },
      ],
    };
    expect(hubspotChangesOf(tied, APP_ID).writtenByUs).toEqual(new Set());
  });

  it('under our newest write, names the newest change by anyone else, skipping our older writes', () => {
    const layered: PropertiesWithHistory = {
      city: [
        { value: 'W2', timestamp: at('2026-03-01T10:00:09Z'), sourceType: 'INTEGRATION', sourceId: APP_ID },
        { value: 'W1', timestamp: at('2026-03-01T10:00:07Z'), sourceType: 'INTEGRATION', sourceId: APP_ID },
        { value: 'H2', timestamp: at('2026-03-01T10:00:05Z'), sourceType: 'CRM_UI', sourceId: 'userId:1' },
        { value: 'H1', timestamp: at('2026-03-01T10:00:01Z'), sourceType: 'INTEGRATION', sourceId: '999' },
      ],
      only_ours: [{ value: 'W', timestamp: at('2026-03-01T10:00:00Z'), sourceType: 'INTEGRATION', sourceId: APP_ID }],
    };
    expect(hubspotChangesOf(layered, APP_ID).buriedEdits).toEqual({
      city: { value: 'H2', changedAt: at('2026-03-01T10:00:05Z'), sourceType: 'CRM_UI', sourceId: 'userId:1' },
    });
  });
});

describe('hubspotSideOf', () => {
  it("is the company's current values with the changes its history tells", () => {
    const properties = { name: 'Acme Inc', warp_credit_limit: '1000' };
    expect(hubspotSideOf({ properties, propertiesWithHistory: history }, APP_ID)).toEqual({
      properties,
      ...hubspotChangesOf(history, APP_ID),
    });
    expect(hubspotSideOf({ properties }, APP_ID)).toEqual({ properties, changedAt: {}, writtenByUs: new Set(), buriedEdits: {} });
  });
});

describe('isOwnIntegrationChange', () => {
  it('recognises our own app as the writer', () => {
    expect(isOwnIntegrationChange({ sourceType: 'INTEGRATION', sourceId: APP_ID }, APP_ID)).toBe(true);
    expect(isOwnIntegrationChange({ sourceType: 'INTEGRATION', sourceId: APP_ID }, Number(APP_ID))).toBe(true);
  });

  it('does not take other integrations or people for us', () => {
    expect(isOwnIntegrationChange({ sourceType: 'INTEGRATION', sourceId: '999' }, APP_ID)).toBe(false);
    expect(isOwnIntegrationChange({ sourceType: 'CRM_UI', sourceId: APP_ID }, APP_ID)).toBe(false);
    expect(isOwnIntegrationChange({ sourceType: 'INTEGRATION', sourceId: null }, APP_ID)).toBe(false);
  });
});
