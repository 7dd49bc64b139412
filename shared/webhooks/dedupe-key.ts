import { createHash } from 'node:crypto';
import { subjectObjectId, type HubspotWebhookEvent } from './event-schema.js';

/**
 * Identity of one HubSpot event across redeliveries. HubSpot documents `eventId`
 * as NOT unique: one change fans out into one notification per matching
 * subscription (a creation plus the property changes it carries, several
 * propertyChange subscriptions, one notification per object of a bulk edit or
 * merge) with the same eventId, and public apps share subscription ids across
 * portals. So the key combines the event id with subscription, portal, object,
 * property and time, plus the association endpoints (association changes have
 * no objectId, and an add and a remove can share the rest). `attemptNumber` is
 * left out on purpose: a retry is the same event and must collapse onto it.
 */
export function dedupeKey(event: HubspotWebhookEvent): string {
  const identity = [
    event.subscriptionType,
    event.eventId,
    event.subscriptionId,
    event.portalId,
    subjectObjectId(event),
    event.propertyName ?? null,
    event.occurredAt,
    event.associationType ?? null,
    event.toObjectId ?? null,
    event.associationRemoved ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
