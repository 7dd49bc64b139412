import { describe, expect, it } from 'vitest';
import {
  hubspotChangesOf,
  isOwnIntegrationChange,
  latestPropertyChanges,
  propertiesWithHistorySchema,
} from '../../../shared/sync/hubspot-history.js';

const APP_ID = '1234567';
const history = propertiesWithHistorySchema.parse({
  name: [
    { value: 'Acme Inc', timestamp: '2026-03-01T10:00:05.000Z', sourceType: 'CRM_UI', sourceId: 'userId:45678' },
    { value: 'Acme', timestamp: '2026-03-01T09:00:00.000Z', sourceType: 'INTEGRATION', sourceId: APP_ID },
  ],
  warp_credit_limit: [
    // Out of order on purpose: the latest entry wins, not the first one.
    { value: '500', timestamp: '2026-02-01T00:00:00Z', sourceType: 'CRM_UI' },
    { value: '1000', timestamp: '2026-03-02T00:00:00.000+00:00', sourceType: 'INTEGRATION', sourceId: APP_ID, sourceLabel: 'x' },
  ],
  city: [],
});

describe('latestPropertyChanges', () => {
  it('takes the newest entry per property, whatever the order', () => {
    expect(latestPropertyChanges(history)).toEqual({
      name: { value: 'Acme Inc', changedAt: new Date('2026-03-01T10:00:05Z'), sourceType: 'CRM_UI', sourceId: 'userId:45678' },
      warp_credit_limit: { value: '1000', changedAt: new Date('2026-03-02T00:00:00Z'), sourceType: 'INTEGRATION', sourceId: APP_ID },
    });
  });

  it('gives the planner per-property change times and the properties our app wrote last', () => {
    const times = { name: new Date('2026-03-01T10:00:05Z'), warp_credit_limit: new Date('2026-03-02T00:00:00Z') };
    const buriedEdits = {
      warp_credit_limit: { value: '500', changedAt: new Date('2026-02-01T00:00:00Z'), sourceType: 'CRM_UI', sourceId: null },
    };
    expect(hubspotChangesOf(history, APP_ID)).toEqual({ changedAt: times, writtenByUs: new Set(['warp_credit_limit']), buriedEdits });
    expect(hubspotChangesOf(history, '999')).toEqual({ changedAt: times, writtenByUs: new Set(), buriedEdits: {} });
    expect(hubspotChangesOf(history, undefined)).toMatchObject({ writtenByUs: new Set(), buriedEdits: {} });
  });

  it('under our newest write, names the newest change by anyone else, skipping our older writes', () => {
    const layered = propertiesWithHistorySchema.parse({
      city: [
        { value: 'W2', timestamp: '2026-03-01T10:00:09Z', sourceType: 'INTEGRATION', sourceId: APP_ID },
        { value: 'W1', timestamp: '2026-03-01T10:00:07Z', sourceType: 'INTEGRATION', sourceId: APP_ID },
        { value: 'H2', timestamp: '2026-03-01T10:00:05Z', sourceType: 'CRM_UI', sourceId: 'userId:1' },
        { value: 'H1', timestamp: '2026-03-01T10:00:01Z', sourceType: 'INTEGRATION', sourceId: '999' },
      ],
      only_ours: [{ value: 'W', timestamp: '2026-03-01T10:00:00Z', sourceType: 'INTEGRATION', sourceId: APP_ID }],
    });
    expect(hubspotChangesOf(layered, APP_ID).buriedEdits).toEqual({
      city: { value: 'H2', changedAt: new Date('2026-03-01T10:00:05Z'), sourceType: 'CRM_UI', sourceId: 'userId:1' },
    });
  });
});

describe('propertiesWithHistorySchema', () => {
  it('rejects entries without a valid timestamp', () => {
    expect(propertiesWithHistorySchema.safeParse({ name: [{ value: 'x', timestamp: 'yesterday', sourceType: 'API' }] }).success).toBe(
      false,
    );
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
