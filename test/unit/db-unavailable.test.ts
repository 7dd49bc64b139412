import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../shared/db/unavailable.js';
import { toErrorResponse } from '../../shared/errors/app-error.js';

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures, shutdowns and a saturated pool', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(isDatabaseUnavailable(err), err.message).toBe(true);
      expect(toErrorResponse(err)).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
    }
  });

  it('leaves query errors and everything else a 500', () => {
    for (const err of [Object.assign(new Error('syntax error'), { code: '42601' }), new Error('boom'), undefined, 'text']) {
      expect(isDatabaseUnavailable(err)).toBe(false);
      expect(toErrorResponse(err).status).toBe(500);
    }
  });
});
