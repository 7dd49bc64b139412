import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../../shared/db/database.js';
import { call, fakeAuthenticator, newCustomer, startCustomerApi, type RunningApi } from './support.js';

describe('customer API while the database cannot be reached', () => {
  let api: RunningApi;
  // Port 1 on loopback refuses at once: the same error a stopped PostgreSQL gives.
  const db = createDb({ connectionString: 'postgres://warp:unused@127.0.0.1:1/warp' });
  beforeAll(async () => {
    api = await startCustomerApi({ url: '', db, destroy: () => db.destroy() }, { authenticator: fakeAuthenticator().authenticator });
  });
  afterAll(async () => {
    await api?.close();
    await db.destroy();
  });

  it('answers reads and writes with 503 SERVICE_UNAVAILABLE, logged at ERROR, never a 500', async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/customers', undefined],
      ['GET', '/v1/customers/0b9f4f7e-8a0e-4b8e-9d55-5c3a2b1e0f11', undefined],
      ['POST', '/v1/customers', newCustomer()],
    ] as const) {
      const res = await call(api, method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.body).toEqual({ success: false, error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/database/i) } });
    }
    const errors = api.lines.filter((l) => l.severity === 'ERROR');
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.every((l) => String(l.message).includes(' 503'))).toBe(true);
  });
});
