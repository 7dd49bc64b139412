import { sql, type Insertable } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { JsonObject } from '../db/tables/customers.js';
import type { HubspotWebhookEventsTable } from '../db/tables/hubspot-sync.js';
import { dedupeKey } from './dedupe-key.js';
import { ignoreReason, subjectObjectId, type HubspotWebhookEvent } from './event-schema.js';

/** A stored event that still has to reach Pub/Sub. */
export interface UnpublishedEvent {
  id: string;
  dedupeKey: string;
  objectId: string;
  payload: JsonObject;
}

export interface StoredDelivery {
  /** Rows this delivery inserted (events never seen before), ignored ones included. */
  inserted: number;
  /** Of those, stored as IGNORED (not forwarded). */
  ignored: number;
  /** Events of this delivery that were already stored. */
  duplicates: number;
  /** New events plus this delivery's events stored earlier but never published (a retry after a failed publish). */
  toPublish: UnpublishedEvent[];
}

/**
 * Stores a verified delivery in ONE statement: a multi-row insert that skips
 * known dedupe keys, united with this delivery's older rows still unpublished.
 * The outer SELECT reads the table as of the statement's start, so it never
 * returns a row the insert just wrote twice.
 */
export async function storeDelivery(db: Db, events: readonly HubspotWebhookEvent[]): Promise<StoredDelivery> {
  const rows = uniqueByKey(events.map(toRow));
  const keys = rows.map((r) => r.dedupe_key);
  const result = await db
    .with('inserted', (qb) =>
      qb
        .insertInto('hubspot_webhook_events')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(['id', 'dedupe_key', 'object_id', 'payload', 'status']),
    )
    .selectFrom('inserted')
    .select(['id', 'dedupe_key', 'object_id', 'payload', 'status'])
    .select(sql<boolean>`true`.as('is_new'))
    .unionAll((eb) =>
      eb
        .selectFrom('hubspot_webhook_events')
        .select(['id', 'dedupe_key', 'object_id', 'payload', 'status'])
        .select(sql<boolean>`false`.as('is_new'))
        .where('dedupe_key', 'in', keys)
        .where('published_at', 'is', null)
        .where('status', '=', 'RECEIVED'),
    )
    .execute();

  const inserted = result.filter((r) => r.is_new);
  return {
    inserted: inserted.length,
    ignored: inserted.filter((r) => r.status === 'IGNORED').length,
    duplicates: events.length - inserted.length,
    toPublish: result
      .filter((r) => r.status === 'RECEIVED')
      .map((r) => ({ id: r.id, dedupeKey: r.dedupe_key, objectId: r.object_id, payload: r.payload }))
      .sort(byOccurrence),
  };
}

/** HubSpot's batch order means nothing: each object's events go out (under its ordering key) as they happened. */
function byOccurrence(a: UnpublishedEvent, b: UnpublishedEvent): number {
  return Number(a.payload.occurredAt) - Number(b.payload.occurredAt) || Number(BigInt(a.id) - BigInt(b.id));
}

/**
 * Marks rows published in one UPDATE. The consumer may already have processed
 * a message (Pub/Sub is fast): its status must not be rolled back to PUBLISHED.
 */
export async function markPublished(db: DbOrTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('hubspot_webhook_events')
    .set((eb) => ({
      published_at: eb.fn.coalesce('published_at', eb.fn<Date>('now')),
      status: eb.case().when('status', '=', 'RECEIVED').then('PUBLISHED' as const).else(eb.ref('status')).end(),
    }))
    .where('id', 'in', [...ids])
    .execute();
}

function toRow(event: HubspotWebhookEvent): Insertable<HubspotWebhookEventsTable> {
  const reason = ignoreReason(event);
  return {
    dedupe_key: dedupeKey(event),
    event_id: String(event.eventId),
    subscription_id: String(event.subscriptionId),
    portal_id: String(event.portalId),
    app_id: event.appId === undefined ? null : String(event.appId),
    subscription_type: event.subscriptionType,
    object_id: String(subjectObjectId(event)),
    property_name: event.propertyName ?? null,
    property_value: event.propertyValue ?? null,
    change_source: event.changeSource ?? null,
    source_id: event.sourceId ?? null,
    occurred_at: new Date(event.occurredAt),
    attempt_number: event.attemptNumber ?? null,
    payload: event,
    status: reason ? 'IGNORED' : 'RECEIVED',
    ignore_reason: reason ?? null,
  };
}

/** The same event twice in one delivery would make ON CONFLICT touch a row twice: keep the first. */
function uniqueByKey<T extends { dedupe_key: string }>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.dedupe_key) && seen.add(row.dedupe_key));
}
