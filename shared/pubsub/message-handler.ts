import type { CloudEvent } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import { decodePubSubEvent } from './pubsub-cloud-event.js';

export interface PubSubHandlerSpec<S extends z.ZodType, D extends { log: Logger }> {
  /** The error logged for a message that does not decode, e.g. 'outbox message rejected' (alerts filter on it). */
  rejectedMessage: string;
  schema: S;
  /** The instance's dependencies, built lazily on the first message. */
  getDeps: () => Promise<D>;
  /** `messageId` is Pub/Sub's (the CloudEvent's id when absent): the trace of this delivery. */
  onMessage: (deps: D, message: z.output<S>, messageId: string) => Promise<unknown>;
}

/**
 * A CloudEvent handler for one kind of Pub/Sub message. Returning acks the message; throwing
 * makes Pub/Sub redeliver it. A message that does not decode is logged loudly, then acked:
 * redelivery cannot repair it.
 */
export function createPubSubHandler<S extends z.ZodType, D extends { log: Logger }>(spec: PubSubHandlerSpec<S, D>) {
  return async (event: CloudEvent<unknown>): Promise<void> => {
    const deps = await spec.getDeps();
    const decoded = decodePubSubEvent(event.data, spec.schema);
    if (!decoded.ok) {
      deps.log.error(spec.rejectedMessage, { reason: decoded.reason, eventId: event.id });
      return;
    }
    await spec.onMessage(deps, decoded.value, decoded.messageId ?? event.id);
  };
}
