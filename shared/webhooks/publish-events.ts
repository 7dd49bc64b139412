import type { DbOrTx } from '../db/database.js';
import type { EventBatchPublisher } from '../pubsub/publisher.js';
import { WEBHOOK_EVENT_MESSAGE_KIND, webhookEventMessageSchema, type WebhookEventMessage } from './event-message.js';
import { markPublished, type UnpublishedEvent } from './event-store.js';

export interface PublishOutcome {
  published: number;
  failed: number;
  /** The publish error, for the caller's log line (never shown to clients). */
  error?: unknown;
}

export function toEventMessage(row: UnpublishedEvent): WebhookEventMessage {
  // Parsing here keeps the topic's contract: a row that does not match is a bug, not a message.
  return webhookEventMessageSchema.parse({
    kind: WEBHOOK_EVENT_MESSAGE_KIND,
    version: 1,
    webhookEventId: row.id,
    dedupeKey: row.dedupeKey,
    event: row.payload,
  });
}

/** Well under Pub/Sub's 1,000 messages / 10 MB per publish request, with 64 KiB property values. */
const MAX_MESSAGES_PER_REQUEST = 100;

/**
 * Publishes the rows with the HubSpot object id as ordering key (a delivery of
 * < 100 events is one request; the relay's larger backlogs go in order, chunk
 * by chunk), then marks what went out in one UPDATE. At the first failure the
 * rest is left unpublished, so no event overtakes an older one of its object;
 * they wait for HubSpot's retry of the delivery or for the relay.
 */
export async function publishEvents(
  db: DbOrTx,
  publisher: EventBatchPublisher,
  topic: string,
  rows: readonly UnpublishedEvent[],
): Promise<PublishOutcome> {
  const publishedIds: string[] = [];
  let error: unknown;
  for (let start = 0; start < rows.length; start += MAX_MESSAGES_PER_REQUEST) {
    const chunk = rows.slice(start, start + MAX_MESSAGES_PER_REQUEST);
    try {
      await publisher.publishBatch(
        topic,
        chunk.map((row) => ({
          message: toEventMessage(row),
          orderingKey: row.objectId,
          attributes: { kind: WEBHOOK_EVENT_MESSAGE_KIND, subscriptionType: String(row.payload.subscriptionType) },
        })),
      );
    } catch (err) {
      error = err;
      break;
    }
    publishedIds.push(...chunk.map((r) => r.id));
  }
  await markPublished(db, publishedIds);
  const failed = rows.length - publishedIds.length;
  return failed > 0 ? { published: publishedIds.length, failed, error } : { published: publishedIds.length, failed };
}
