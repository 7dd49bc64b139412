import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { call, fakeAuthenticator, startCustomerApi, type RunningApi } from '../customer-api/support.js';

describe('GET /v1/sync/activity', () => {
  let t: TestDatabase;
  let api: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase();
    api = await startCustomerApi(t, { authenticator: fakeAuthenticator().authenticator });
  });
  afterAll(async () => {
    await api?.close();
    await t?.destroy();
  });

  it('answers an empty window before any sync', async () => {
    const res = await call(api, 'GET', '/v1/sync/activity?hours=2');
    expect(res.status).toBe(200);
    expect(res.body.data.minutes).toEqual([]);
    expect(Date.parse(res.body.data.to) - Date.parse(res.body.data.from)).toBeGreaterThanOrEqual(2 * 3_600_000);
  });

  it('counts the sync log per minute and status, oldest first, within the hours asked for', async () => {
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const at = (offsetMs: number) => new Date(minute.getTime() + offsetMs);
    const entry = (status: 'SUCCESS' | 'FAILED' | 'CONFLICT', created_at: Date) => ({
      direction: 'WARP_TO_HUBSPOT' as const,
      operation: 'PUSH',
      status,
      created_at,
    });
    await t.db
      .insertInto('hubspot_sync_log')
      .values([
        entry('SUCCESS', at(1_000)),
        entry('SUCCESS', at(59_000)),
        entry('FAILED', at(30_000)),
        entry('CONFLICT', at(61_000)),
        entry('SUCCESS', new Date(Date.now() - 3 * 3_600_000)),
      ])
      .execute();
    const res = await call(api, 'GET', '/v1/sync/activity?hours=1');
    expect(res.body.data.minutes).toEqual([
      { minute: minute.toISOString(), counts: { SUCCESS: 2, FAILED: 1, SKIPPED: 0, CONFLICT: 0, RETRYING: 0 } },
      { minute: at(60_000).toISOString(), counts: { SUCCESS: 0, FAILED: 0, SKIPPED: 0, CONFLICT: 1, RETRYING: 0 } },
    ]);
    const wider = await call(api, 'GET', '/v1/sync/activity?hours=6');
    expect(wider.body.data.minutes).toHaveLength(3);
  });

  it('refuses hours outside 1-48, naming the parameter', async () => {
    for (const hours of ['0', '49', 'x']) {
      const res = await call(api, 'GET', `/v1/sync/activity?hours=${hours}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe('hours');
    }
  });
});
