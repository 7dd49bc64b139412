import { z } from 'zod';
import { freeForm } from '../customers/free-form.js';

/** HubSpot delivers fewer than 100 events per request. */
export const MAX_EVENTS_PER_DELIVERY = 99;

export const COMPANY_SUBSCRIPTION_TYPES = [
  'company.creation',
  'company.deletion',
  'company.propertyChange',
  'company.associationChange',
  'company.restore',
  'company.merge',
] as const;
export type CompanySubscriptionType = (typeof COMPANY_SUBSCRIPTION_TYPES)[number];

const hubspotId = z.number().int().nonnegative();
/** `<object>.<event>` (company.propertyChange, contact.creation, object.merge, ...). */
const subscriptionType = z.string().regex(/^[a-z][a-z_]{0,49}\.[A-Za-z]{1,50}$/, 'must look like object.eventType');

/**
 * One webhook event as documented by HubSpot. Unknown fields are kept (loose):
 * the stored payload is what HubSpot sent, so the consumer can use fields this
 * intake does not know yet. Kept fields included, every string and key must be text
 * the JSONB payload can store, within freeForm's bounds on depth and keys: a NUL in
 * `propertyValue` is a 400 naming it, as any other invalid event is, not a 500 on every
 * retry of the delivery.
 */
export const hubspotWebhookEventSchema = freeForm(
  z
    .looseObject({
      eventId: hubspotId,
      subscriptionId: hubspotId,
      portalId: hubspotId,
      appId: hubspotId.optional(),
      occurredAt: z.number().int().positive(),
      subscriptionType,
      attemptNumber: z.number().int().nonnegative().optional(),
      objectId: hubspotId.optional(),
      objectTypeId: z.string().max(50).optional(),
      propertyName: z.string().max(200).optional(),
      propertyValue: z.string().max(65_536).nullable().optional(),
      changeSource: z.string().max(100).optional(),
      sourceId: z.string().max(200).nullable().optional(),
      changeFlag: z.string().max(50).optional(),
      // company.merge
      primaryObjectId: hubspotId.optional(),
      mergedObjectIds: z.array(hubspotId).max(1000).optional(),
      newObjectId: hubspotId.optional(),
      numberOfPropertiesMoved: z.number().int().nonnegative().optional(),
      // company.associationChange (carries fromObjectId instead of objectId)
      associationType: z.string().max(200).optional(),
      fromObjectId: hubspotId.optional(),
      toObjectId: hubspotId.optional(),
      associationRemoved: z.boolean().optional(),
      isPrimaryAssociation: z.boolean().optional(),
    })
    .refine((e) => e.objectId !== undefined || e.fromObjectId !== undefined, {
      error: 'objectId (or fromObjectId for association changes) is required',
      path: ['objectId'],
    })
    .refine((e) => !e.subscriptionType.endsWith('.propertyChange') || e.propertyName !== undefined, {
      error: 'propertyName is required for property changes',
      path: ['propertyName'],
    }),
);

export type HubspotWebhookEvent = z.infer<typeof hubspotWebhookEventSchema>;

export const webhookDeliverySchema = z
  .array(hubspotWebhookEventSchema)
  .min(1, 'a delivery carries at least one event')
  .max(MAX_EVENTS_PER_DELIVERY, `HubSpot sends fewer than ${MAX_EVENTS_PER_DELIVERY + 1} events per request`);

/** The HubSpot object the event is about: the ordering key of everything that follows. */
export function subjectObjectId(event: HubspotWebhookEvent): number {
  const id = event.objectId ?? event.fromObjectId;
  if (id === undefined) throw new Error('webhook event without objectId or fromObjectId (the schema requires one)');
  return id;
}

export function isCompanySubscriptionType(type: string): type is CompanySubscriptionType {
  return (COMPANY_SUBSCRIPTION_TYPES as readonly string[]).includes(type);
}

/** Why an event is stored but not forwarded, or undefined when it is forwarded to the processor. */
export function ignoreReason(event: HubspotWebhookEvent): string | undefined {
  if (!isCompanySubscriptionType(event.subscriptionType)) {
    return `UNSUPPORTED_SUBSCRIPTION_TYPE: ${event.subscriptionType}`;
  }
  return undefined;
}
