import type { CloudEvent } from '@google-cloud/functions-framework';
import { decodePubSubEvent } from '../field-sync/pubsub-cloud-event.js';
import { webhookEventMessageSchema } from '../webhooks/event-message.js';
import { processWebhookEvent, type InboundDeps } from './process-webhook-event.js';

/**
 * The CloudEvent handler behind functions/hubspot-inbound, over lazily built dependencies.
 * Returning acks the Pub/Sub message; throwing makes Pub/Sub redeliver it.
 */
export function createInboundHandler(getDeps: () => Promise<InboundDeps>) {
  return async (cloudEvent: CloudEvent<unknown>): Promise<void> => {
    const deps = await getDeps();
    const decoded = decodePubSubEvent(cloudEvent.data, webhookEventMessageSchema);
    if (!decoded.ok) {
      // Redelivery cannot repair a malformed message: logged loudly, then acked.
      deps.log.error('webhook event message rejected', { reason: decoded.reason, cloudEventId: cloudEvent.id });
      return;
    }
    await processWebhookEvent(deps, decoded.value, decoded.messageId ?? cloudEvent.id);
  };
}
