import { z } from 'zod';
import { hubspotWebhookEventSchema } from './event-schema.js';

/**
 * What the intake publishes to HUBSPOT_EVENTS_TOPIC, one message per stored
 * event, ordered by the HubSpot object id. The consumer parses with this schema
 * and records its outcome on `hubspot_webhook_events` row `webhookEventId`.
 * Pub/Sub delivers at least once and the relay may republish: consumers must be
 * idempotent on `dedupeKey`.
 */
export const webhookEventMessageSchema = z.object({
  kind: z.literal('hubspot.webhook-event'),
  version: z.literal(1),
  /** hubspot_webhook_events.id (bigint as a decimal string). */
  webhookEventId: z.string().regex(/^\d+$/),
  dedupeKey: z.string().regex(/^[0-9a-f]{64}$/),
  event: hubspotWebhookEventSchema,
});

export type WebhookEventMessage = z.infer<typeof webhookEventMessageSchema>;

export const WEBHOOK_EVENT_MESSAGE_KIND = 'hubspot.webhook-event';
