import { sql } from 'kysely';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC } from '../config/webhook-config.js';
import { inTransaction, type Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { EventBatchPublisher } from '../pubsub/publisher.js';
import { publishEvents, type PublishOutcome } from './publish-events.js';

export interface RepublishOptions {
  /** Leave younger rows to the request that stored them (it may still be publishing). */
  olderThanMs: number;
  limit: number;
  topic?: string;
}

export interface RepublishOutcome extends PublishOutcome {
  claimed: number;
}

/**
 * The relay behind the intake: stored events whose publish failed (and whose
 * delivery HubSpot gave up retrying) still reach the topic. Rows are claimed
 * with FOR UPDATE SKIP LOCKED inside one transaction, so concurrent relays
 * split the backlog instead of publishing it twice; oldest first, so one
 * object's events keep their order under its ordering key.
 */
export async function republishUnpublishedEvents(
  db: Db,
  publisher: EventBatchPublisher,
  options: RepublishOptions,
): Promise<RepublishOutcome> {
  const topic = options.topic ?? DEFAULT_HUBSPOT_EVENTS_TOPIC;
  return inTransaction(db, async (tx) => {
    const rows = await tx
      .selectFrom('hubspot_webhook_events')
      .select(['id', 'dedupe_key', 'object_id', 'payload'])
      .where('published_at', 'is', null)
      .where('status', '=', 'RECEIVED')
      // The database clock, so instance clock skew cannot make rows look older.
      .where('received_at', '<', sql<Date>`now() - make_interval(secs => ${options.olderThanMs / 1000})`)
      .orderBy('received_at')
      .orderBy('id')
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    const outcome = await publishEvents(
      tx,
      publisher,
      topic,
      rows.map((r) => ({ id: r.id, dedupeKey: r.dedupe_key, objectId: r.object_id, payload: r.payload })),
    );
    return { claimed: rows.length, ...outcome };
  });
}

/** One relay tick's pass over stored events the intake could not publish, logged for on-call. */
export async function relayWebhookEvents(
  deps: { db: Db; publisher: EventBatchPublisher; log: Logger },
  options: RepublishOptions,
): Promise<void> {
  const { error, ...counts } = await republishUnpublishedEvents(deps.db, deps.publisher, options);
  // A failed chunk stays unpublished for the next tick; the counts say how far this one got.
  if (counts.failed > 0) deps.log.warn('outbox relay could not republish some webhook events', { ...counts, err: error });
  else if (counts.claimed > 0) deps.log.info('outbox relay republished webhook events', counts);
}
