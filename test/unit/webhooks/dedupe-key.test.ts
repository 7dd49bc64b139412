import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dedupeKey } from '../../../shared/webhooks/dedupe-key.js';
import type { HubspotWebhookEvent } from '../../../shared/webhooks/event-schema.js';

const base: HubspotWebhookEvent = {
  eventId: 100,
  subscriptionId: 200,
  portalId: 300,
  appId: 400,
  occurredAt: 1_760_000_000_000,
  subscriptionType: 'company.propertyChange',
  attemptNumber: 0,
  objectId: 500,
  propertyName: 'warp_credit_limit',
  propertyValue: '1000',
  changeSource: 'CRM_UI',
};

describe('dedupeKey', () => {
  it('is a stable sha-256 hex digest', () => {
    expect(dedupeKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(dedupeKey({ ...base })).toBe(dedupeKey(base));
  });

  it('ignores what a redelivery changes (attemptNumber) and what does not identify the event', () => {
    expect(dedupeKey({ ...base, attemptNumber: 7 })).toBe(dedupeKey(base));
    expect(dedupeKey({ ...base, changeSource: 'API' })).toBe(dedupeKey(base));
  });

  // eventId is documented as not unique: each identity part on its own must separate two events.
  it.each<[string, Partial<HubspotWebhookEvent>]>([
    ['eventId', { eventId: 101 }],
    ['subscriptionId', { subscriptionId: 201 }],
    ['portalId', { portalId: 301 }],
    ['objectId', { objectId: 501 }],
    ['propertyName', { propertyName: 'name' }],
    ['occurredAt', { occurredAt: base.occurredAt + 1 }],
    ['subscriptionType', { subscriptionType: 'company.creation', propertyName: undefined }],
  ])('differs when only %s differs', (_field, change) => {
    expect(dedupeKey({ ...base, ...change })).not.toBe(dedupeKey(base));
  });

  it('separates an association added from the same association removed', () => {
    const association: HubspotWebhookEvent = {
      ...base,
      subscriptionType: 'company.associationChange',
      objectId: undefined,
      propertyName: undefined,
      fromObjectId: 1,
      toObjectId: 2,
      associationType: 'COMPANY_TO_CONTACT',
      associationRemoved: false,
    };
    expect(dedupeKey({ ...association, associationRemoved: true })).not.toBe(dedupeKey(association));
    expect(dedupeKey({ ...association, toObjectId: 3 })).not.toBe(dedupeKey(association));
  });

  it('does not let field values run into each other (no ambiguous concatenation)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        const one = dedupeKey({ ...base, propertyName: a });
        const two = dedupeKey({ ...base, propertyName: b });
        return one !== two;
      }),
    );
    expect(dedupeKey({ ...base, eventId: 12, subscriptionId: 3 })).not.toBe(dedupeKey({ ...base, eventId: 1, subscriptionId: 23 }));
  });
});
