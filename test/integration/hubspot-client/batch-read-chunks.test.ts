import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import { createApiClientCompanies } from '../../../shared/hubspot/client/api-client-companies.js';
import type { HubspotCaller } from '../../../shared/hubspot/client/retry-policy.js';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  await ensureCompanyProperties(new Client({ accessToken: sandbox.token, basePath: sandbox.url }), createMemoryLogger().logger);
});
afterAll(() => sandbox.close());

/** Passes each call through, counting how many are in flight at once. */
function countingCaller() {
  const seen = { inFlight: 0, most: 0, calls: 0 };
  const call: HubspotCaller = async (_spec, fn) => {
    seen.calls++;
    seen.most = Math.max(seen.most, ++seen.inFlight);
    try {
      return await fn();
    } finally {
      seen.inFlight--;
    }
  };
  return { call, seen };
}

describe('a batch read of more companies than one call takes', () => {
  it('sends its chunks two at a time and answers them in the order asked', async () => {
    const { call, seen } = countingCaller();
    const companies = createApiClientCompanies({ accessToken: sandbox.token, basePath: sandbox.url }, call);
    const created = await companies.batchUpsertByUniqueProperty(
      Array.from({ length: 160 }, (_, i) => ({ idValue: `CHUNK-${i}`, properties: { name: `Co ${i}` } })),
      'warp_ban',
    );
    const ids = created.map((o) => (o.status === 'INVALID' ? '' : o.record.id));
    seen.calls = 0;
    seen.most = 0;

    const read = await companies.batchReadWithHistory([...ids, '999999999'], ['name']);
    expect(seen.calls).toBe(4);
    expect(seen.most).toBe(2);
    expect(read.results.map((r) => r.id)).toEqual(ids);
    expect(read.missing).toEqual(['999999999']);
  });

  it('fails as a whole when one of its chunks fails', async () => {
    let n = 0;
    const call: HubspotCaller = async (_spec, fn) => {
      if (++n === 2) throw new Error('HubSpot is away');
      return fn();
    };
    const companies = createApiClientCompanies({ accessToken: sandbox.token, basePath: sandbox.url }, call);
    const ids = Array.from({ length: 120 }, (_, i) => String(1_000_000 + i));
    await expect(companies.batchReadWithHistory(ids, ['name'])).rejects.toThrow('HubSpot is away');
  });
});
