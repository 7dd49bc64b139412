import { beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { inTransaction } from '../../../shared/db/database.js';
import { dedupeKey } from '../../../shared/webhooks/dedupe-key.js';
import { webhookEventMessageSchema } from '../../../shared/webhooks/event-message.js';
import { markPublished } from '../../../shared/webhooks/event-store.js';
import { republishUnpublishedEvents } from '../../../shared/webhooks/republish-unpublished.js';
import { lazily } from '../../../shared/runtime/lazily.js';
import { createHubspotWebhook } from '../../../functions/hubspot-webhook/handler.js';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { RETENTION_DEFAULTS } from '../../../shared/retention/purge.js';
import { createOutboxRelayHandler } from '../../../shared/outbox/relay-handler.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { createPubSubPublisher } from '../../../shared/pubsub/publisher.js';
import {
  CLIENT_SECRET,
  companyEvent,
  countEvents,
  deliver,
  hubspotHeaders,
  send,
  serveWebhook,
  useIntakeFixture,
} from './webhook-harness.js';

const f = useIntakeFixture();

beforeEach(async () => {
  f.pubsub.publisher.failing = false;
  f.pubsub.publisher.calls = 0;
  f.pubsub.publisher.messages = 0;
  await f.pubsub.waitForMessages(Number.MAX_SAFE_INTEGER, 200); // let stragglers of the last test arrive
  f.pubsub.messages.length = 0;
  await f.database.db.deleteFrom('hubspot_webhook_events').execute();
});

async function countUnpublished(): Promise<number> {
  const rows = await f.database.db.selectFrom('hubspot_webhook_events').select('id').where('published_at', 'is', null).execute();
  return rows.length;
}

function rowsOf(keys: string[]) {
  return f.database.db.selectFrom('hubspot_webhook_events').selectAll().where('dedupe_key', 'in', keys).orderBy('id').execute();
}

describe('a valid v3 delivery', () => {
  it('is stored once, published once per event with the object id as ordering key, and marked published', async () => {
    const events = [
      companyEvent(),
      companyEvent({ propertyName: 'name', propertyValue: 'ACME GmbH' }),
      companyEvent({ subscriptionType: 'company.creation', propertyName: undefined, propertyValue: undefined }),
    ];
    const res = await deliver(f.intake, events);
    expect(res).toEqual({
      status: 200,
      body: { success: true, data: { received: 3, stored: 3, ignored: 0, duplicates: 0, published: 3 } },
    });

    const rows = await rowsOf(events.map(dedupeKey));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.status).toBe('PUBLISHED');
      expect(row.published_at).toBeInstanceOf(Date);
    }
    expect(rows.map((r) => r.object_id)).toEqual(events.map((e) => String(e.objectId)));
    expect(rows[1]?.property_name).toBe('name');
    expect(rows[1]?.property_value).toBe('ACME GmbH');
    expect(rows[0]?.occurred_at.getTime()).toBe(events[0]?.occurredAt);

    const messages = await f.pubsub.waitForMessages(3);
    expect(messages).toHaveLength(3);
    const byEventId = new Map(rows.map((r) => [r.id, r]));
    for (const message of messages) {
      const parsed = webhookEventMessageSchema.parse(JSON.parse(message.data.toString('utf8')));
      const row = byEventId.get(parsed.webhookEventId);
      expect(row).toBeDefined();
      expect(parsed.dedupeKey).toBe(row?.dedupe_key);
      expect(message.orderingKey).toBe(String(parsed.event.objectId));
      expect(parsed.event).toEqual(events.find((e) => e.eventId === parsed.event.eventId));
    }
  });

  it('a duplicate delivery (HubSpot retry) stores and publishes nothing new and still answers 200', async () => {
    const events = [companyEvent(), companyEvent()];
    expect((await deliver(f.intake, events)).status).toBe(200);
    await f.pubsub.waitForMessages(2);
    const callsAfterFirst = f.pubsub.publisher.calls;

    const retry = events.map((e) => ({ ...e, attemptNumber: 1 }));
    const res = await deliver(f.intake, retry);
    expect(res).toEqual({
      status: 200,
      body: { success: true, data: { received: 2, stored: 0, ignored: 0, duplicates: 2, published: 0 } },
    });
    expect(await countEvents(f.database.db)).toBe(2);
    expect(f.pubsub.publisher.calls).toBe(callsAfterFirst);
    await f.pubsub.waitForMessages(3, 500);
    expect(f.pubsub.messages).toHaveLength(2);
  });

  it("ten concurrent deliveries (HubSpot's maximum) are each stored and published exactly once", async () => {
    const deliveries = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => companyEvent()));
    const results = await Promise.all(deliveries.map((events) => deliver(f.intake, events)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.every((r) => (r.body as { data: { published: number } }).data.published === 20)).toBe(true);
    const messages = await f.pubsub.waitForMessages(200);
    await f.pubsub.waitForMessages(201, 300);
    expect(messages).toHaveLength(200);
    expect(await countUnpublished()).toBe(0);
  });

  it('stores every column exactly as sent (the rows travel as one jsonb parameter)', async () => {
    const tricky = companyEvent({
      objectId: Number.MAX_SAFE_INTEGER,
      occurredAt: 1_760_000_000_999,
      propertyName: 'name',
      propertyValue: 'Müller & "Söhne" \\ GmbH 🚚',
      sourceId: null,
      attemptNumber: 3,
      ...{ futureField: { nested: [1, 'two'] } },
    });
    const bare = companyEvent({ propertyValue: null, appId: undefined, attemptNumber: undefined, changeSource: undefined });
    expect((await deliver(f.intake, [tricky, bare])).status).toBe(200);

    const [first, second] = await rowsOf([dedupeKey(tricky), dedupeKey(bare)]);
    expect(first).toMatchObject({
      event_id: String(tricky.eventId),
      subscription_id: String(tricky.subscriptionId),
      portal_id: String(tricky.portalId),
      app_id: String(tricky.appId),
      subscription_type: 'company.propertyChange',
      object_id: String(Number.MAX_SAFE_INTEGER),
      property_name: 'name',
      property_value: tricky.propertyValue,
      change_source: 'CRM_UI',
      source_id: null,
      attempt_number: 3,
      payload: tricky,
      status: 'PUBLISHED',
      ignore_reason: null,
    });
    expect(first?.occurred_at.getTime()).toBe(1_760_000_000_999);
    expect(second).toMatchObject({ app_id: null, property_value: null, change_source: null, attempt_number: null });
    // JSON has no undefined: the keys set to undefined above were never sent.
    expect(second?.payload).toEqual(JSON.parse(JSON.stringify(bare)));
  });

  it('keeps events that share an eventId but differ in object or property', async () => {
    const first = companyEvent();
    const otherObject = { ...first, objectId: (first.objectId ?? 0) + 1 };
    const otherProperty = { ...first, propertyName: 'name', propertyValue: 'x' };
    const res = await deliver(f.intake, [first, otherObject, otherProperty]);
    expect(res.status).toBe(200);
    const rows = await f.database.db
      .selectFrom('hubspot_webhook_events')
      .selectAll()
      .where('event_id', '=', String(first.eventId))
      .execute();
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(3);
  });

  it("publishes one object's events in the order they happened, whatever the order of the batch", async () => {
    const objectId = 77_000_000_001;
    const times = [5, 1, 4, 2, 3].map((t) => 1_760_000_100_000 + t);
    const events = times.map((occurredAt) => companyEvent({ objectId, occurredAt, propertyValue: String(occurredAt) }));
    expect((await deliver(f.intake, events)).status).toBe(200);
    const messages = await f.pubsub.waitForMessages(5);
    const order = messages.map((m) => webhookEventMessageSchema.parse(JSON.parse(m.data.toString('utf8'))).event.occurredAt);
    expect(order).toEqual([...times].sort());
    expect(new Set(messages.map((m) => m.orderingKey))).toEqual(new Set([String(objectId)]));
  });

  it('collapses the same event twice in one delivery', async () => {
    const event = companyEvent();
    const res = await deliver(f.intake, [event, { ...event }]);
    expect(res.body).toMatchObject({ data: { received: 2, stored: 1, duplicates: 1, published: 1 } });
    expect(await countEvents(f.database.db)).toBe(1);
  });

  it('stores events of other object types as IGNORED with the reason, publishes none of them, answers 200', async () => {
    const contact = companyEvent({ subscriptionType: 'contact.creation', propertyName: undefined });
    const company = companyEvent();
    const res = await deliver(f.intake, [contact, company]);
    expect(res.body).toMatchObject({ success: true, data: { stored: 2, ignored: 1, published: 1 } });
    const [row] = await rowsOf([dedupeKey(contact)]);
    expect(row?.status).toBe('IGNORED');
    expect(row?.ignore_reason).toContain('UNSUPPORTED_SUBSCRIPTION_TYPE');
    expect(row?.published_at).toBeNull();
    expect(f.pubsub.publisher.messages).toBe(1);
  });

  it('stores association changes, which carry fromObjectId instead of objectId, under that object', async () => {
    const event = companyEvent({
      subscriptionType: 'company.associationChange',
      objectId: undefined,
      propertyName: undefined,
      propertyValue: undefined,
      associationType: 'COMPANY_TO_CONTACT',
      fromObjectId: 123_456,
      toObjectId: 654_321,
      associationRemoved: false,
    });
    const res = await deliver(f.intake, [event, { ...event, associationRemoved: true }]);
    expect(res.body).toMatchObject({ data: { stored: 2, published: 2 } });
    const messages = await f.pubsub.waitForMessages(2);
    expect(messages.map((m) => m.orderingKey)).toEqual(['123456', '123456']);
  });
});

describe('an invalid body with a valid signature', () => {
  const cases: Array<[string, number, string]> = [
    ['an object, not an array', 400, JSON.stringify(companyEvent())],
    ['an empty array', 400, '[]'],
    ['100 events (HubSpot sends fewer)', 400, JSON.stringify(Array.from({ length: 100 }, () => companyEvent()))],
    ['an event without eventId', 400, JSON.stringify([{ ...companyEvent(), eventId: undefined }])],
    ['an objectId that is a string', 400, JSON.stringify([{ ...companyEvent(), objectId: '123' }])],
    ['an id beyond 2^53', 400, JSON.stringify([companyEvent()]).replace(/"objectId":\d+/, '"objectId":90071992547409930')],
    ['a property change without propertyName', 400, JSON.stringify([{ ...companyEvent(), propertyName: undefined }])],
    ['a malformed subscriptionType', 400, JSON.stringify([{ ...companyEvent(), subscriptionType: 'DROP TABLE' }])],
    ['one bad event among good ones', 400, JSON.stringify([companyEvent(), { ...companyEvent(), occurredAt: 'yesterday' }])],
    ['not JSON', 400, '[{"eventId": 1,'],
  ];

  it.each(cases)('%s -> %i, nothing stored or published', async (_name, status, body) => {
    const res = await send(f.intake, { body, headers: hubspotHeaders(body) });
    expect(res.status).toBe(status);
    expect(await countEvents(f.database.db)).toBe(0);
    expect(f.pubsub.publisher.calls).toBe(0);
  });

  it('malformed JSON (which the framework fails to parse before the function) gets the INVALID_JSON envelope', async () => {
    const body = '[{"eventId": 1,';
    const res = await send(f.intake, { body, headers: hubspotHeaders(body) });
    expect(res).toEqual({ status: 400, body: { success: false, error: { code: 'INVALID_JSON', message: 'The body is not valid JSON' } } });
  });

  it('names the offending fields in the 400 envelope', async () => {
    const body = JSON.stringify([{ ...companyEvent(), objectId: '123' }]);
    const res = await send(f.intake, { body, headers: hubspotHeaders(body) });
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: '0.objectId' }] } } });
  });

  it('a body over the size limit -> 413, nothing stored', async () => {
    const big = companyEvent({ propertyValue: 'x'.repeat(60_000) });
    const body = JSON.stringify(Array.from({ length: 20 }, () => ({ ...big, eventId: big.eventId + 1 })));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await send(f.intake, { body, headers: hubspotHeaders(body) });
    expect(res).toMatchObject({ status: 413, body: { success: false, error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await countEvents(f.database.db)).toBe(0);
  });
});

describe('when publishing fails', () => {
  it('answers 503, keeps the rows unpublished, and a retry of the same delivery publishes them', async () => {
    const events = [companyEvent(), companyEvent()];
    f.pubsub.publisher.failing = true;
    const failed = await deliver(f.intake, events);
    expect(failed).toMatchObject({ status: 503, body: { success: false, error: { code: 'SERVICE_UNAVAILABLE' } } });
    let rows = await rowsOf(events.map(dedupeKey));
    expect(rows.map((r) => [r.status, r.published_at])).toEqual([
      ['RECEIVED', null],
      ['RECEIVED', null],
    ]);
    expect(f.intake.logLines.some((l) => l.severity === 'ERROR' && String(l.message).includes('not all published'))).toBe(true);

    f.pubsub.publisher.failing = false;
    const retry = await deliver(
      f.intake,
      events.map((e) => ({ ...e, attemptNumber: 1 })),
    );
    expect(retry.body).toMatchObject({ success: true, data: { stored: 0, duplicates: 2, published: 2 } });
    rows = await rowsOf(events.map(dedupeKey));
    expect(rows.every((r) => r.status === 'PUBLISHED' && r.published_at !== null)).toBe(true);
    const messages = await f.pubsub.waitForMessages(2);
    expect(messages.map((m) => m.orderingKey).sort()).toEqual(events.map((e) => String(e.objectId)).sort());
  });

  it('a retry with new events publishes them and republishes the stored ones as first stored, not the published ones', async () => {
    const published = companyEvent();
    expect((await deliver(f.intake, [published])).status).toBe(200);
    const unpublished = companyEvent();
    f.pubsub.publisher.failing = true;
    expect((await deliver(f.intake, [unpublished])).status).toBe(503);
    f.pubsub.publisher.failing = false;
    await f.pubsub.waitForMessages(1);
    f.pubsub.messages.length = 0;

    const fresh = companyEvent();
    const retry = [published, unpublished, fresh].map((e) => ({ ...e, attemptNumber: 7 }));
    const res = await deliver(f.intake, retry);
    expect(res.body).toMatchObject({ data: { received: 3, stored: 1, duplicates: 2, published: 2 } });
    const messages = await f.pubsub.waitForMessages(2);
    await f.pubsub.waitForMessages(3, 300);
    const sent = messages.map((m) => webhookEventMessageSchema.parse(JSON.parse(m.data.toString('utf8'))).event);
    // The stored row's payload (attempt 0) goes out for the old event; the new one as just received.
    expect(sent.sort((a, b) => a.eventId - b.eventId)).toEqual([unpublished, { ...fresh, attemptNumber: 7 }]);
    expect(await countUnpublished()).toBe(0);
  });

  it('commits the mark without waiting for the WAL flush, and only the mark', async () => {
    const events = [companyEvent(), companyEvent()];
    expect((await deliver(f.intake, events)).status).toBe(200);
    // set_config(..., true) ends with the mark's transaction: pooled connections keep synchronous commits.
    const settings = await Promise.all(
      Array.from({ length: 10 }, () => sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(f.database.db)),
    );
    expect(settings.map((s) => s.rows[0]?.synchronous_commit)).toEqual(Array(10).fill('on'));
    const inRelayTransaction = await inTransaction(f.database.db, async (tx) => {
      await markPublished(tx, []);
      const [row] = await rowsOf([dedupeKey(events[0]!)]);
      await markPublished(tx, [row!.id]);
      return (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(tx)).rows[0]?.synchronous_commit;
    });
    expect(inRelayTransaction).toBe('off');
    expect((await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(f.database.db)).rows[0]?.synchronous_commit).toBe(
      'on',
    );
  });

  it('the relay sends a backlog over 100 events chunk by chunk and stops at the first failing chunk', async () => {
    const first = Array.from({ length: 99 }, () => companyEvent());
    const second = Array.from({ length: 51 }, () => companyEvent());
    f.pubsub.publisher.failing = true;
    expect((await deliver(f.intake, first)).status).toBe(503);
    expect((await deliver(f.intake, second)).status).toBe(503);
    f.pubsub.publisher.failing = false;

    const inner = f.pubsub.publisher.publishBatch;
    let call = 0;
    f.pubsub.publisher.publishBatch = (topic, messages) =>
      (call += 1) === 2 ? Promise.reject(new Error('second chunk lost')) : inner(topic, messages);
    try {
      const partial = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, {
        olderThanMs: 0,
        limit: 500,
        topic: f.pubsub.topic,
      });
      expect(partial).toMatchObject({ claimed: 150, published: 100, failed: 50 });
    } finally {
      f.pubsub.publisher.publishBatch = inner;
    }
    // Oldest first: the whole first delivery went out, the end of the second waits.
    const firstRows = await rowsOf(first.map(dedupeKey));
    expect(firstRows.every((r) => r.published_at !== null)).toBe(true);

    const rest = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, { olderThanMs: 0, limit: 500, topic: f.pubsub.topic });
    expect(rest).toEqual({ claimed: 50, published: 50, failed: 0 });
    const messages = await f.pubsub.waitForMessages(150);
    await f.pubsub.waitForMessages(151, 300);
    expect(messages).toHaveLength(150);
    expect(await countUnpublished()).toBe(0);
  });

  it('the relay republishes stored-but-unpublished events once, leaving young rows to their request', async () => {
    const events = [companyEvent(), companyEvent()];
    f.pubsub.publisher.failing = true;
    expect((await deliver(f.intake, events)).status).toBe(503);
    f.pubsub.publisher.failing = false;

    const tooYoung = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, {
      olderThanMs: 60_000,
      limit: 10,
      topic: f.pubsub.topic,
    });
    expect(tooYoung).toEqual({ claimed: 0, published: 0, failed: 0 });

    const relayed = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, {
      olderThanMs: 0,
      limit: 10,
      topic: f.pubsub.topic,
    });
    expect(relayed).toEqual({ claimed: 2, published: 2, failed: 0 });
    const rows = await rowsOf(events.map(dedupeKey));
    expect(rows.every((r) => r.status === 'PUBLISHED')).toBe(true);
    const messages = await f.pubsub.waitForMessages(2);
    expect(messages).toHaveLength(2);

    const again = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, { olderThanMs: 0, limit: 10, topic: f.pubsub.topic });
    expect(again.claimed).toBe(0);
  });

  it('the relay skips rows another relay holds (FOR UPDATE SKIP LOCKED) and leaves failed ones unpublished', async () => {
    const events = [companyEvent(), companyEvent()];
    f.pubsub.publisher.failing = true;
    expect((await deliver(f.intake, events)).status).toBe(503);

    await inTransaction(f.database.db, async (tx) => {
      await sql`SELECT id FROM hubspot_webhook_events WHERE dedupe_key = ${dedupeKey(events[0]!)} FOR UPDATE`.execute(tx);
      f.pubsub.publisher.failing = false;
      const relayed = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, {
        olderThanMs: 0,
        limit: 10,
        topic: f.pubsub.topic,
      });
      expect(relayed).toEqual({ claimed: 1, published: 1, failed: 0 });
    });

    f.pubsub.publisher.failing = true;
    const failing = await republishUnpublishedEvents(f.database.db, f.pubsub.publisher, {
      olderThanMs: 0,
      limit: 10,
      topic: f.pubsub.topic,
    });
    expect(failing).toMatchObject({ claimed: 1, published: 0, failed: 1 });
    const [locked] = await rowsOf([dedupeKey(events[0]!)]);
    expect(locked?.published_at).toBeNull();
  });

  it('does not roll a row the consumer already processed back to PUBLISHED', async () => {
    const event = companyEvent();
    f.pubsub.publisher.failing = true;
    await deliver(f.intake, [event]);
    // The consumer got an earlier copy and finished before the mark.
    await f.database.db.updateTable('hubspot_webhook_events').set({ status: 'PROCESSED', processed_at: new Date() }).execute();
    f.pubsub.publisher.failing = false;
    await deliver(f.intake, [event]);
    const [row] = await rowsOf([dedupeKey(event)]);
    expect(row?.status).toBe('PROCESSED');
  });
});

describe('the scheduled relay tick (outboxRelay)', () => {
  const tickEvent = {
    id: 'tick-1',
    specversion: '1.0',
    source: '//pubsub.googleapis.com/',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
  } as CloudEvent<unknown>;

  it('also publishes webhook events stored but never published, once older than the grace period', async () => {
    const events = [companyEvent(), companyEvent()];
    f.pubsub.publisher.failing = true;
    expect((await deliver(f.intake, events)).status).toBe(503);
    f.pubsub.publisher.failing = false;
    expect(await countUnpublished()).toBe(2);

    const { logger, lines } = createMemoryLogger('DEBUG');
    const publisher = createPubSubPublisher(f.pubsub.pubsub);
    const tick = (olderThanMs: number) =>
      createOutboxRelayHandler(async () => ({
        db: f.database.db,
        publisher,
        log: logger,
        // The suite's database has no outbox rows: the outbox half of the tick has nothing to do.
        options: { topic: f.pubsub.topic, graceMs: 0, limit: 10 },
        webhookEvents: { topic: f.pubsub.topic, olderThanMs, limit: 10 },
        retention: RETENTION_DEFAULTS,
      }))(tickEvent);
    try {
      await tick(60_000);
      expect(await countUnpublished()).toBe(2);
      expect(lines.filter((l) => String(l.message).startsWith('outbox relay'))).toEqual([]);

      await tick(0);
      const rows = await rowsOf(events.map(dedupeKey));
      expect(rows.map((r) => [r.status, r.published_at !== null])).toEqual([
        ['PUBLISHED', true],
        ['PUBLISHED', true],
      ]);
      const messages = await f.pubsub.waitForMessages(2);
      expect(messages).toHaveLength(2);
      const published = messages.map((m) => webhookEventMessageSchema.parse(JSON.parse(m.data.toString('utf8'))));
      expect(published.map((m) => m.webhookEventId).sort()).toEqual(rows.map((r) => r.id).sort());
      expect(messages.map((m) => m.orderingKey).sort()).toEqual(events.map((e) => String(e.objectId)).sort());
      expect(lines.find((l) => l.message === 'outbox relay republished webhook events')).toMatchObject({
        claimed: 2,
        published: 2,
        failed: 0,
      });

      await tick(0);
      await f.pubsub.waitForMessages(3, 300);
      expect(f.pubsub.messages).toHaveLength(2);
    } finally {
      await publisher.close();
    }
  });
});

describe('when the intake cannot start', () => {
  it('answers 503 (HubSpot retries), logs why without the secret, and builds again on the next request', async () => {
    const { logger, lines } = createMemoryLogger();
    let attempts = 0;
    const webhook = createHubspotWebhook(
      lazily(async () => {
        attempts += 1;
        throw new Error('Secret Manager unavailable');
      }),
      logger,
    );
    const served = await serveWebhook(webhook);
    try {
      const body = JSON.stringify([companyEvent()]);
      const res = await send(served, { body, headers: hubspotHeaders(body) });
      expect(res).toMatchObject({ status: 503, body: { success: false, error: { code: 'SERVICE_UNAVAILABLE' } } });
      await send(served, { body, headers: hubspotHeaders(body) });
      expect(attempts).toBe(2);
      expect(lines.some((l) => l.severity === 'ERROR' && l.message === 'HubSpot webhook intake could not start')).toBe(true);
      expect(JSON.stringify(lines)).not.toContain(CLIENT_SECRET);
      expect(await countEvents(f.database.db)).toBe(0);
    } finally {
      await served.close();
    }
  });
});

describe('logging', () => {
  it('never writes the client secret or a signature', async () => {
    const body = JSON.stringify([companyEvent()]);
    const headers = hubspotHeaders(body);
    await send(f.intake, { body, headers });
    await send(f.intake, { body, headers: { ...headers, 'x-hubspot-signature-v3': 'AAAA' + headers['x-hubspot-signature-v3']!.slice(4) } });
    const text = f.intake.logLines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain(headers['x-hubspot-signature-v3']!.slice(4));
    expect(f.intake.logLines.some((l) => l.severity === 'WARNING' && l.reason === 'MISMATCH')).toBe(true);
  });
});
