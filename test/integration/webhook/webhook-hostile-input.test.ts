import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { countEvents, createPubSubFixture, startIntake, type IntakeServer, type PubSubFixture } from './webhook-harness.js';

describe('HubSpot webhook: hostile input is a 4xx, never a 500 (issue 16)', () => {
  let database: TestDatabase;
  let pubsub: PubSubFixture;
  let intake: IntakeServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    pubsub = await createPubSubFixture();
    intake = await startIntake({ db: database.db, publisher: pubsub.publisher, topic: pubsub.topic });
  });
  afterAll(async () => {
    await intake?.close();
    await pubsub?.close();
    await database?.destroy();
  });

  it.each([
    ['/%ZZ', {}],
    ['/', { 'content-encoding': 'gzip' }],
    ['/', { 'content-encoding': 'br' }],
  ])('POST %s %j with a garbage body is a 4xx envelope and stores nothing', async (path, headers) => {
    const res = await fetch(intake.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: 'garbage',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(((await res.json()) as { success: boolean }).success).toBe(false);
    expect(await countEvents(database.db)).toBe(0);
  });
});
