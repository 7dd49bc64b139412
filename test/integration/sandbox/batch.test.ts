import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { apiError, hubspotClient, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

let sandbox: RunningSandbox;
const batch = () => hubspotClient(sandbox).crm.companies.batchApi;

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimits: { tenSecondLimit: 1000 } });
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
  await ensureCompanyProperties(hubspotClient(sandbox), createMemoryLogger().logger);
});

const inputs = (n: number, make: (i: number) => Record<string, string>) =>
  Array.from({ length: n }, (_, i) => ({ properties: make(i), associations: [] }));

describe('batch create and read', () => {
  it('creates up to 100 and refuses 101', async () => {
    const created = await batch().create({ inputs: inputs(100, (i) => ({ name: `C${i}`, warp_ban: `B${i}` })) });
    expect(created.results).toHaveLength(100);
    expect(created.status).toBe('COMPLETE');
    const tooMany = await apiError(batch().create({ inputs: inputs(101, (i) => ({ name: `X${i}` })) }));
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');
  });

  it('validates every input before writing any, with per-input errors', async () => {
    const bad = inputs(3, (i) => ({ name: `C${i}` }));
    bad[1] = { properties: { name: 'C1', warp_status: 'NOPE' }, associations: [] };
    bad[2] = { properties: { bogus: 'x' }, associations: [] };
    const { code, body } = await apiError(batch().create({ inputs: bad }));
    expect(code).toBe(400);
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_OPTION', in: 'inputs[1].properties.warp_status' }),
      expect.objectContaining({ code: 'PROPERTY_DOESNT_EXIST', in: 'inputs[2].properties.bogus' }),
    ]);
    expect((await hubspotClient(sandbox).crm.companies.basicApi.getPage(100)).results).toHaveLength(0);
  });

  it('refuses the same unique value twice within one batch', async () => {
    const { code } = await apiError(batch().create({ inputs: inputs(2, () => ({ warp_ban: 'SAME' })) }));
    expect(code).toBe(409);
  });

  it('reads by id or idProperty, reporting missing ids as a 207 error', async () => {
    const created = await batch().create({ inputs: inputs(3, (i) => ({ name: `C${i}`, warp_ban: `B${i}` })) });
    const ids = created.results.map((r) => r.id);
    const read = await batch().read({ inputs: ids.map((id) => ({ id })), properties: ['warp_ban'], propertiesWithHistory: ['name'] });
    expect(read.results.map((r) => r.properties.warp_ban).sort()).toEqual(['B0', 'B1', 'B2']);
    expect(read.results[0]?.propertiesWithHistory?.name?.[0]?.sourceType).toBe('INTEGRATION');

    const partial = await batch().read({
      inputs: [{ id: 'B1' }, { id: 'B404' }],
      idProperty: 'warp_ban',
      properties: ['name'],
      propertiesWithHistory: [],
    });
    expect(partial.results.map((r) => r.properties.name)).toEqual(['C1']);
    expect((partial as { errors?: Array<{ category: string; context: { ids: string[] } }> }).errors).toEqual([
      expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['B404'] } }),
    ]);
    const withHistoryLimit = await apiError(
      batch().read({ inputs: Array.from({ length: 51 }, (_, i) => ({ id: String(i) })), properties: [], propertiesWithHistory: ['name'] }),
    );
    expect(withHistoryLimit.code).toBe(400);
  });
});

describe('batch update, archive', () => {
  it('updates by id and by idProperty, refusing duplicate ids', async () => {
    const created = await batch().create({ inputs: inputs(2, (i) => ({ name: `C${i}`, warp_ban: `B${i}` })) });
    const [first, second] = created.results;
    const updated = await batch().update({
      inputs: [
        { id: first?.id ?? '', properties: { city: 'Reno' } },
        { id: 'B1', idProperty: 'warp_ban', properties: { city: 'Boise' } },
      ],
    });
    expect(updated.results.map((r) => [r.id, r.properties.city]).sort()).toEqual(
      [
        [first?.id, 'Reno'],
        [second?.id, 'Boise'],
      ].sort(),
    );
    const dup = await apiError(
      batch().update({
        inputs: [
          { id: first?.id ?? '', properties: {} },
          { id: first?.id ?? '', properties: {} },
        ],
      }),
    );
    expect(dup.code).toBe(400);
    expect(String(dup.body.message)).toMatch(/Duplicate IDs/);
  });

  it('archives in batch; archived companies are readable with archived=true', async () => {
    const created = await batch().create({ inputs: inputs(3, (i) => ({ name: `C${i}` })) });
    const ids = created.results.map((r) => r.id);
    await batch().archive({ inputs: ids.slice(0, 2).map((id) => ({ id })) });
    const live = await hubspotClient(sandbox).crm.companies.basicApi.getPage(100);
    expect(live.results.map((r) => r.id)).toEqual([ids[2]]);
    const archived = await batch().read({ inputs: ids.slice(0, 2).map((id) => ({ id })), properties: [], propertiesWithHistory: [] }, true);
    expect(archived.results.every((r) => r.archived)).toBe(true);
  });
});

describe('batch upsert', () => {
  it('creates missing and updates existing by idProperty, flagging which are new', async () => {
    await batch().create({ inputs: [{ properties: { name: 'Old', warp_ban: 'B1' }, associations: [] }] });
    const result = await batch().upsert({
      inputs: [
        { id: 'B1', idProperty: 'warp_ban', properties: { name: 'Old renamed' } },
        { id: 'B2', idProperty: 'warp_ban', properties: { name: 'Brand new' } },
      ],
    });
    const byBan = Object.fromEntries(result.results.map((r) => [r.properties.warp_ban, r]));
    expect(byBan.B1).toMatchObject({ _new: false, properties: { name: 'Old renamed' } });
    expect(byBan.B2).toMatchObject({ _new: true, properties: { name: 'Brand new' } });
    expect((await apiError(batch().upsert({ inputs: [{ id: 'x', idProperty: 'name', properties: {} }] }))).code).toBe(400);
  });

  it('never duplicates, even with many concurrent upserts of the same keys', async () => {
    const round = (n: number) =>
      batch().upsert({
        inputs: Array.from({ length: 20 }, (_, i) => ({ id: `BAN-${i}`, idProperty: 'warp_ban', properties: { name: `round ${n}` } })),
      });
    await Promise.all(Array.from({ length: 10 }, (_, n) => round(n)));
    const all = await hubspotClient(sandbox).crm.companies.basicApi.getPage(100, undefined, ['warp_ban']);
    expect(all.results).toHaveLength(20);
    expect(new Set(all.results.map((r) => r.properties.warp_ban)).size).toBe(20);
  });
});
