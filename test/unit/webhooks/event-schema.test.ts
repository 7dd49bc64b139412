import { describe, expect, it } from 'vitest';
import {
  ignoreReason,
  MAX_EVENTS_PER_DELIVERY,
  subjectObjectId,
  webhookDeliverySchema,
  type HubspotWebhookEvent,
} from '../../../shared/webhooks/event-schema.js';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';

const propertyChange = {
  eventId: 1,
  subscriptionId: 2,
  portalId: 3,
  appId: 4,
  occurredAt: 1_760_000_000_000,
  subscriptionType: 'company.propertyChange',
  attemptNumber: 0,
  objectId: 5,
  propertyName: 'name',
  propertyValue: 'ACME',
  changeSource: 'CRM_UI',
  sourceId: 'userId:1',
};

const parse = (body: unknown) => webhookDeliverySchema.safeParse(body);

describe('webhookDeliverySchema', () => {
  it('accepts documented company events and keeps unknown fields', () => {
    const merge = {
      ...propertyChange,
      subscriptionType: 'company.merge',
      propertyName: undefined,
      primaryObjectId: 5,
      mergedObjectIds: [6, 7],
      newObjectId: 5,
      numberOfPropertiesMoved: 3,
      someFutureField: { nested: true },
    };
    const result = parse([propertyChange, merge]);
    expect(result.success).toBe(true);
    expect(result.data?.[1]).toMatchObject({ mergedObjectIds: [6, 7], someFutureField: { nested: true } });
  });

  it('accepts association changes without objectId and files them under fromObjectId', () => {
    const association = {
      ...propertyChange,
      subscriptionType: 'company.associationChange',
      objectId: undefined,
      propertyName: undefined,
      fromObjectId: 9,
      toObjectId: 10,
      associationRemoved: false,
    };
    const result = parse([association]);
    expect(result.success).toBe(true);
    expect(subjectObjectId(result.data![0]!)).toBe(9);
  });

  it.each<[string, unknown]>([
    ['a non-array', propertyChange],
    ['an empty array', []],
    [`${MAX_EVENTS_PER_DELIVERY + 1} events`, Array.from({ length: MAX_EVENTS_PER_DELIVERY + 1 }, () => propertyChange)],
    ['a missing eventId', [{ ...propertyChange, eventId: undefined }]],
    ['a negative objectId', [{ ...propertyChange, objectId: -1 }]],
    ['an unsafe integer id', [{ ...propertyChange, objectId: 2 ** 53 + 2 }]],
    ['a string occurredAt', [{ ...propertyChange, occurredAt: '2025-01-01' }]],
    ['no object id at all', [{ ...propertyChange, objectId: undefined }]],
    ['a property change without propertyName', [{ ...propertyChange, propertyName: undefined }]],
    ['a malformed subscriptionType', [{ ...propertyChange, subscriptionType: 'company' }]],
    ['a null event', [null]],
  ])('rejects %s', (_name, body) => {
    expect(parse(body).success).toBe(false);
  });

  it.each<[string, Record<string, unknown>]>([
    ['0.propertyValue', { propertyValue: 'a\u0000' }],
    ['0.changeSource', { changeSource: '\udfff' }],
    ['0.someFutureField.list.1', { someFutureField: { list: ['ok', 'x\u0000'] } }],
    ['0.\ud800', { '\ud800': true }],
  ])('refuses text PostgreSQL cannot store, naming %s', (path, overrides) => {
    const result = parse([{ ...propertyChange, ...overrides }]);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });

  it('accepts paired surrogates (emoji) and a null propertyValue', () => {
    expect(
      parse([
        { ...propertyChange, propertyValue: 'Acme \ud83d\ude80' },
        { ...propertyChange, propertyValue: null },
      ]).success,
    ).toBe(true);
  });

  it(`accepts exactly ${MAX_EVENTS_PER_DELIVERY} events`, () => {
    expect(parse(Array.from({ length: MAX_EVENTS_PER_DELIVERY }, () => propertyChange)).success).toBe(true);
  });
});

describe('ignoreReason', () => {
  it('forwards the six company subscription types', () => {
    for (const type of ['creation', 'deletion', 'propertyChange', 'associationChange', 'restore', 'merge']) {
      expect(ignoreReason({ ...propertyChange, subscriptionType: `company.${type}` } as HubspotWebhookEvent)).toBeUndefined();
    }
  });

  it('names the subscription type of anything else', () => {
    expect(ignoreReason({ ...propertyChange, subscriptionType: 'contact.creation' } as HubspotWebhookEvent)).toBe(
      'UNSUPPORTED_SUBSCRIPTION_TYPE: contact.creation',
    );
    expect(ignoreReason({ ...propertyChange, subscriptionType: 'object.propertyChange' } as HubspotWebhookEvent)).toMatch(/UNSUPPORTED/);
  });
});

describe('webhookEventMessageSchema', () => {
  it('requires the row id, the dedupe key and a valid event', () => {
    const message = { kind: 'hubspot.webhook-event', version: 1, webhookEventId: '42', dedupeKey: 'a'.repeat(64), event: propertyChange };
    expect(webhookEventMessageSchema.safeParse(message).success).toBe(true);
    expect(webhookEventMessageSchema.safeParse({ ...message, webhookEventId: 42 }).success).toBe(false);
    expect(webhookEventMessageSchema.safeParse({ ...message, dedupeKey: 'x' }).success).toBe(false);
    expect(webhookEventMessageSchema.safeParse({ ...message, event: { ...propertyChange, objectId: 'x' } }).success).toBe(false);
  });
});
