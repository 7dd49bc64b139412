import { sql } from 'kysely';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { inTransaction, type Db, type DbOrTx } from '../db/database.js';
import { insertSyncLog, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import type { Logger } from '../logging/logger.js';
import { publishOutboxRow } from '../outbox/publish-outbox-row.js';
import type { EventBatchPublisher } from '../pubsub/publisher.js';
import type { ResyncPublishing } from '../sync-admin/operator-resync.js';
import { publishEvents } from '../webhooks/publish-events.js';
import { bigIdSchema, idCursor, isoDate, limitParam, pageById, pageSchema, type IdPage } from './paging.js';

/** Rows one retry puts back at most (a bigger backlog is retried in several calls: `remaining` says). */
export const MAX_RETRY = 500;

export interface EventPublishing {
  publisher: EventBatchPublisher;
  topic: string;
}

export const failuresQuerySchema = z.object({
  source: z.enum(['outbox', 'webhook']).optional(),
  limit: limitParam(50, 200),
  outboxCursor: idCursor.optional(),
  webhookCursor: idCursor.optional(),
});
export type FailuresQuery = z.output<typeof failuresQuerySchema>;

const outboxFailureSchema = z.object({
  id: bigIdSchema,
  customerId: z.string(),
  operation: z.string(),
  origin: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  /** The error code of the row's latest FAILED sync log entry. */
  errorCode: z.string().nullable(),
  createdAt: isoDate,
  failedAt: isoDate.nullable(),
});
const webhookFailureSchema = z.object({
  id: bigIdSchema,
  subscriptionType: z.string(),
  objectId: z.string(),
  propertyName: z.string().nullable(),
  attempts: z.number().int(),
  processingError: z.string().nullable(),
  errorCode: z.string().nullable(),
  occurredAt: isoDate,
  receivedAt: isoDate,
});
export const failuresSchema = z.object({
  /** Null when only webhook events were asked for, and the other way round. */
  outbox: pageSchema(outboxFailureSchema).nullable(),
  webhookEvents: pageSchema(webhookFailureSchema).nullable(),
});
export type Failures = z.output<typeof failuresSchema>;

const idList = z.array(bigIdSchema).min(1).max(MAX_RETRY);
export const retryBodySchema = z
  .strictObject({ outboxIds: idList.optional(), webhookEventIds: idList.optional(), all: z.literal(true).optional() })
  .refine((b) => (b.all === true) !== (b.outboxIds !== undefined || b.webhookEventIds !== undefined), {
    message: 'give outboxIds and/or webhookEventIds, or all: true (not both)',
    path: ['all'],
  });
export type RetryBody = z.output<typeof retryBodySchema>;

const retriedSchema = z.object({
  /** Put back to work: PENDING outbox rows, RECEIVED webhook events. */
  retried: z.number().int(),
  ids: z.array(bigIdSchema),
  /** Published to Pub/Sub at once; the rest go with the relays' next run. */
  published: z.number().int(),
});
export const retryResultSchema = z.object({
  outbox: retriedSchema,
  webhookEvents: retriedSchema,
  /** FAILED rows still left (when all: true met MAX_RETRY); ids not FAILED were skipped. */
  remaining: z.object({ outbox: z.number().int(), webhookEvents: z.number().int() }),
});
export type RetryResult = z.output<typeof retryResultSchema>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** FAILED outbox rows and webhook events, newest first, each keyset-paged on its own. */
export async function listFailures(db: Db, query: FailuresQuery): Promise<Failures> {
  const outbox = query.source === 'webhook' ? null : await outboxFailures(db, { limit: query.limit, cursor: query.outboxCursor });
  const webhookEvents = query.source === 'outbox' ? null : await webhookFailures(db, { limit: query.limit, cursor: query.webhookCursor });
  return { outbox, webhookEvents };
}

/**
 * The error code of the latest FAILED sync log entry naming the failed row; `column` is the log's
 * reference to it (the IS NOT NULL lets the partial index on that column serve the lookup).
 */
function latestErrorCode(column: 'outbox_id' | 'webhook_event_id', row: 'q.id' | 'e.id') {
  const ref = sql.ref(`l.${column}`);
  const latest = sql<string | null>`(SELECT l.error_code FROM hubspot_sync_log l
    WHERE ${ref} = ${sql.ref(row)} AND l.status = 'FAILED' AND ${ref} IS NOT NULL ORDER BY l.id DESC LIMIT 1)`;
  return latest.as('error_code');
}

async function outboxFailures(db: Db, paging: IdPage) {
  const failed = db
    .selectFrom('hubspot_sync_queue as q')
    .select(['q.id', 'q.customer_id', 'q.operation', 'q.origin', 'q.attempts', 'q.last_error', 'q.created_at', 'q.processed_at'])
    .select(latestErrorCode('outbox_id', 'q.id'))
    .where('q.status', '=', 'FAILED');
  const page = await pageById(failed, paging, 'desc', 'q.id');
  return {
    items: page.rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      operation: r.operation,
      origin: r.origin,
      attempts: r.attempts,
      lastError: r.last_error,
      errorCode: r.error_code,
      createdAt: r.created_at.toISOString(),
      failedAt: iso(r.processed_at),
    })),
    nextCursor: page.nextCursor,
  };
}

async function webhookFailures(db: Db, paging: IdPage) {
  const failed = db
    .selectFrom('hubspot_webhook_events as e')
    .select([
      'e.id',
      'e.subscription_type',
      'e.object_id',
      'e.property_name',
      'e.processing_attempts',
      'e.processing_error',
      'e.occurred_at',
      'e.received_at',
    ])
    .select(latestErrorCode('webhook_event_id', 'e.id'))
    .where('e.status', '=', 'FAILED');
  const page = await pageById(failed, paging, 'desc', 'e.id');
  return {
    items: page.rows.map((r) => ({
      id: r.id,
      subscriptionType: r.subscription_type,
      objectId: r.object_id,
      propertyName: r.property_name,
      attempts: r.processing_attempts,
      processingError: r.processing_error,
      errorCode: r.error_code,
      occurredAt: r.occurred_at.toISOString(),
      receivedAt: r.received_at.toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}

export interface RetryDeps {
  db: Db;
  log: Logger;
  outboxPublishing?: ResyncPublishing;
  eventPublishing?: EventPublishing;
}

/**
 * Puts FAILED rows back to work in one transaction, with one sync log entry per row naming the
 * caller and the error it had. An outbox row becomes PENDING with its attempts reset (the relay
 * would otherwise give it up again at once) and unpublished; a webhook event becomes RECEIVED and
 * unpublished. After commit each is published as the API and the intake publish them; whatever
 * does not go out now is what the outbox relay and the webhook relay pick up on their next run.
 */
export async function retryFailures(deps: RetryDeps, principal: Principal, body: RetryBody): Promise<RetryResult> {
  const { db } = deps;
  const pickOutbox = body.all === true || body.outboxIds !== undefined;
  const pickEvents = body.all === true || body.webhookEventIds !== undefined;
  const { outboxRows, eventRows, remaining } = await inTransaction(db, async (tx) => {
    const outboxRows = !pickOutbox
      ? []
      : await tx
          .updateTable('hubspot_sync_queue')
          .set({
            status: 'PENDING',
            attempts: 0,
            next_attempt_at: null,
            claimed_at: null,
            claimed_by: null,
            processed_at: null,
            published_at: null,
          })
          .where('id', 'in', failedRowIds(tx, 'hubspot_sync_queue', body.outboxIds))
          .returning(['id', 'customer_id', 'last_error'])
          .execute()
          .then((rows) => rows.sort(byId));
    const eventRows = !pickEvents
      ? []
      : await tx
          .updateTable('hubspot_webhook_events')
          .set({ status: 'RECEIVED', published_at: null, processing_attempts: 0, processed_at: null })
          .where('id', 'in', failedRowIds(tx, 'hubspot_webhook_events', body.webhookEventIds))
          .returning(['id', 'dedupe_key', 'object_id', 'payload', 'processing_error'])
          .execute()
          .then((rows) => rows.sort(byId));
    const entries: NewSyncLogEntry[] = [
      ...outboxRows.map((r): NewSyncLogEntry => ({
        customer_id: r.customer_id,
        outbox_id: r.id,
        direction: 'NONE',
        operation: 'RETRY',
        status: 'SUCCESS',
        fields: { by: principal.userId, previousError: r.last_error },
      })),
      ...eventRows.map((r): NewSyncLogEntry => ({
        webhook_event_id: r.id,
        direction: 'NONE',
        operation: 'RETRY',
        status: 'SUCCESS',
        fields: { by: principal.userId, previousError: r.processing_error },
      })),
    ];
    await insertSyncLog(tx, entries);
    const left = await tx
      .selectNoFrom((eb) => [
        eb
          .selectFrom('hubspot_sync_queue')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('status', '=', 'FAILED')
          .as('outbox'),
        eb
          .selectFrom('hubspot_webhook_events')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('status', '=', 'FAILED')
          .as('events'),
      ])
      .executeTakeFirstOrThrow();
    return { outboxRows, eventRows, remaining: { outbox: Number(left.outbox), webhookEvents: Number(left.events) } };
  });

  const outboxPublished = await publishOutbox(
    deps,
    outboxRows.map((r) => r.id),
  );
  const eventsPublished = await publishRetriedEvents(deps, eventRows);
  deps.log.notice('sync failures retried', {
    userId: principal.userId,
    outbox: outboxRows.length,
    webhookEvents: eventRows.length,
    published: outboxPublished + eventsPublished,
  });
  return {
    outbox: { retried: outboxRows.length, ids: outboxRows.map((r) => r.id), published: outboxPublished },
    webhookEvents: { retried: eventRows.length, ids: eventRows.map((r) => r.id), published: eventsPublished },
    remaining,
  };
}

/** UPDATE … RETURNING has no order; rows are logged, answered and published oldest first. */
/** The FAILED rows to put back (the given ids, or any), oldest first, at most MAX_RETRY, none another caller holds. */
function failedRowIds(tx: DbOrTx, table: 'hubspot_sync_queue' | 'hubspot_webhook_events', ids: readonly string[] | undefined) {
  return tx
    .selectFrom(table)
    .select('id')
    .where('status', '=', 'FAILED')
    .$if(ids !== undefined, (q) => q.where('id', 'in', ids!))
    .orderBy('id')
    .limit(MAX_RETRY)
    .forUpdate()
    .skipLocked();
}

function byId(a: { id: string }, b: { id: string }): number {
  const [x, y] = [BigInt(a.id), BigInt(b.id)];
  return x < y ? -1 : x > y ? 1 : 0;
}

async function publishOutbox(deps: RetryDeps, ids: readonly string[]): Promise<number> {
  const publishing = deps.outboxPublishing;
  if (!publishing) return 0;
  let published = 0;
  for (const id of ids) {
    try {
      if (await publishOutboxRow({ db: deps.db, ...publishing }, id)) published += 1;
    } catch (err) {
      // The row stays unpublished: the outbox relay sends it after its grace period.
      deps.log.warn('retried outbox row not published; the outbox relay will send it', { outboxId: id, err });
    }
  }
  return published;
}

async function publishRetriedEvents(
  deps: RetryDeps,
  rows: ReadonlyArray<{ id: string; dedupe_key: string; object_id: string; payload: Record<string, unknown> }>,
): Promise<number> {
  const publishing = deps.eventPublishing;
  if (!publishing || rows.length === 0) return 0;
  const outcome = await publishEvents(
    deps.db,
    publishing.publisher,
    publishing.topic,
    rows.map((r) => ({ id: r.id, dedupeKey: r.dedupe_key, objectId: r.object_id, payload: r.payload })),
  );
  if (outcome.error)
    deps.log.warn('retried webhook events not all published; the webhook relay will send them', {
      failed: outcome.failed,
      err: outcome.error,
    });
  return outcome.published;
}
