import { createPubSubHandler } from '../pubsub/message-handler.js';
import { webhookEventMessageSchema } from '../webhooks/event-message.js';
import { processWebhookEvent, type InboundDeps } from './process-webhook-event.js';

/** The CloudEvent handler behind functions/hubspot-inbound, over lazily built dependencies. */
export function createInboundHandler(getDeps: () => Promise<InboundDeps>) {
  return createPubSubHandler({
    rejectedMessage: 'webhook event message rejected',
    schema: webhookEventMessageSchema,
    getDeps,
    onMessage: processWebhookEvent,
  });
}
