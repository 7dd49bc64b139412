import { FilterOperatorEnum as Op } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import type { Filter, PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { apiError, hubspotClient, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

let sandbox: RunningSandbox;
/** The sandbox's clock runs this far ahead of real time: a test moves it on instead of waiting. */
let clockAheadMs = 0;
const search = (request: Partial<PublicObjectSearchRequest>) =>
  hubspotClient(sandbox).crm.companies.searchApi.doSearch({
    filterGroups: [],
    sorts: [],
    properties: ['name'],
    limit: 100,
    after: '0',
    ...request,
  });
const names = async (...filters: Filter[]) => (await search({ filterGroups: [{ filters }] })).results.map((r) => r.properties.name).sort();

beforeAll(async () => {
  sandbox = await startSandbox({ now: () => Date.now() + clockAheadMs });
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
  await sandbox.control.configure({ searchPerSecond: 10_000, searchIndexLagMs: 0 });
  await ensureCompanyProperties(hubspotClient(sandbox), createMemoryLogger().logger);
  await sandbox.control.seed([
    {
      name: 'Alpha Wireless',
      warp_status: 'ACTIVE',
      warp_current_balance: '10.50',
      city: 'Austin',
      createdate: '2024-01-01T00:00:00.000Z',
    },
    { name: 'Beta Telecom', warp_status: 'SUSPENDED', warp_current_balance: '99', city: 'Boston', createdate: '2024-02-01T00:00:00.000Z' },
    { name: 'Gamma Networks', warp_status: 'ACTIVE', warp_current_balance: '250.00', createdate: '2024-03-01T00:00:00.000Z' },
    { name: 'Delta Wireless Co', warp_status: 'TRIAL', warp_current_balance: '-5', city: 'Denver', createdate: '2024-04-01T00:00:00.000Z' },
  ]);
});

describe('query', () => {
  it('matches companies where every word starts a token of a searched property, together with the filters', async () => {
    const queried = async (query: string, ...filters: Filter[]) =>
      (await search({ query, filterGroups: filters.length > 0 ? [{ filters }] : [] })).results.map((r) => r.properties.name).sort();
    expect(await queried('wire')).toEqual(['Alpha Wireless', 'Delta Wireless Co']);
    expect(await queried('WIRELESS  delta')).toEqual(['Delta Wireless Co']);
    expect(await queried('ireless')).toEqual([]);
    expect(await queried('wireless', { propertyName: 'warp_status', operator: Op.Eq, value: 'ACTIVE' })).toEqual(['Alpha Wireless']);
  });
});

describe('filters', () => {
  it('supports every operator with typed comparisons', async () => {
    expect(await names({ propertyName: 'warp_status', operator: Op.Eq, value: 'ACTIVE' })).toEqual(['Alpha Wireless', 'Gamma Networks']);
    expect(await names({ propertyName: 'name', operator: Op.Eq, value: 'beta telecom' })).toEqual(['Beta Telecom']);
    expect(await names({ propertyName: 'warp_status', operator: Op.Neq, value: 'ACTIVE' })).toEqual(['Beta Telecom', 'Delta Wireless Co']);
    // Numeric, not lexicographic: "99" < "250.00".
    expect(await names({ propertyName: 'warp_current_balance', operator: Op.Gt, value: '99' })).toEqual(['Gamma Networks']);
    expect(await names({ propertyName: 'warp_current_balance', operator: Op.Gte, value: '99' })).toEqual([
      'Beta Telecom',
      'Gamma Networks',
    ]);
    expect(await names({ propertyName: 'warp_current_balance', operator: Op.Lt, value: '10.5' })).toEqual(['Delta Wireless Co']);
    expect(await names({ propertyName: 'warp_current_balance', operator: Op.Lte, value: '10.5' })).toEqual([
      'Alpha Wireless',
      'Delta Wireless Co',
    ]);
    expect(await names({ propertyName: 'warp_current_balance', operator: Op.Between, value: '0', highValue: '100' })).toEqual([
      'Alpha Wireless',
      'Beta Telecom',
    ]);
    expect(await names({ propertyName: 'warp_status', operator: Op.In, values: ['TRIAL', 'SUSPENDED'] })).toEqual([
      'Beta Telecom',
      'Delta Wireless Co',
    ]);
    expect(await names({ propertyName: 'city', operator: Op.HasProperty })).toEqual([
      'Alpha Wireless',
      'Beta Telecom',
      'Delta Wireless Co',
    ]);
    expect(await names({ propertyName: 'city', operator: Op.NotHasProperty })).toEqual(['Gamma Networks']);
    expect(await names({ propertyName: 'name', operator: Op.ContainsToken, value: 'wireless' })).toEqual([
      'Alpha Wireless',
      'Delta Wireless Co',
    ]);
    expect(await names({ propertyName: 'name', operator: Op.ContainsToken, value: 'net*' })).toEqual(['Gamma Networks']);
    // Dates compare as instants, given as epoch ms or ISO.
    const feb = String(Date.parse('2024-02-01T00:00:00.000Z'));
    expect(
      await names(
        { propertyName: 'createdate', operator: Op.Gte, value: feb },
        { propertyName: 'createdate', operator: Op.Lt, value: '2024-04-01T00:00:00Z' },
      ),
    ).toEqual(['Beta Telecom', 'Gamma Networks']);
  });

  it('compares an updated company by its new value, not the one an earlier search parsed', async () => {
    const over = { propertyName: 'warp_current_balance', operator: Op.Gt, value: '200' };
    expect(await names(over)).toEqual(['Gamma Networks']);
    const [beta] = (await search({ filterGroups: [{ filters: [{ propertyName: 'name', operator: Op.Eq, value: 'Beta Telecom' }] }] }))
      .results;
    await hubspotClient(sandbox).crm.companies.basicApi.update(beta!.id, { properties: { warp_current_balance: '1000' } });
    expect(await names(over)).toEqual(['Beta Telecom', 'Gamma Networks']);
  });

  it('ORs filter groups and ANDs filters within a group', async () => {
    const result = await search({
      filterGroups: [
        {
          filters: [
            { propertyName: 'warp_status', operator: Op.Eq, value: 'ACTIVE' },
            { propertyName: 'city', operator: Op.HasProperty },
          ],
        },
        { filters: [{ propertyName: 'warp_status', operator: Op.Eq, value: 'TRIAL' }] },
      ],
    });
    expect(result.results.map((r) => r.properties.name).sort()).toEqual(['Alpha Wireless', 'Delta Wireless Co']);
  });

  it('rejects unknown properties, two sorts, pages over 200 and oversized bodies', async () => {
    expect((await apiError(search({ filterGroups: [{ filters: [{ propertyName: 'nope', operator: Op.Eq, value: 'x' }] }] }))).code).toBe(
      400,
    );
    expect((await apiError(search({ sorts: ['name', '-createdate'] }))).code).toBe(400);
    expect((await apiError(search({ limit: 201 }))).code).toBe(400);
    expect((await apiError(search({ query: 'x'.repeat(3100) }))).code).toBe(400);
  });
});

describe('sorting and paging', () => {
  it('sorts by one property in either direction, with ids breaking ties', async () => {
    const asc = await search({ sorts: ['warp_current_balance'] });
    expect(asc.results.map((r) => r.properties.name)).toEqual(['Delta Wireless Co', 'Alpha Wireless', 'Beta Telecom', 'Gamma Networks']);
    const desc = await search({ sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' } as unknown as string] });
    expect(desc.results.map((r) => r.properties.name)).toEqual(['Delta Wireless Co', 'Gamma Networks', 'Beta Telecom', 'Alpha Wireless']);
    expect(asc.total).toBe(4);
  });

  it('pages with after until done', async () => {
    const seen: string[] = [];
    let after: string | undefined = '0';
    while (after !== undefined) {
      const page = await search({ limit: 3, after, sorts: ['name'] });
      seen.push(...page.results.map((r) => r.properties.name ?? ''));
      after = page.paging?.next?.after;
    }
    expect(seen).toEqual(['Alpha Wireless', 'Beta Telecom', 'Delta Wireless Co', 'Gamma Networks']);
  });

  it('never returns archived companies', async () => {
    const [first] = (await search({ sorts: ['name'] })).results;
    await hubspotClient(sandbox).crm.companies.basicApi.archive(first?.id ?? '');
    expect((await search({})).results.map((r) => r.id)).not.toContain(first?.id);
  });

  it('caps results at 10,000: total is the true count, paging past the cap is a 400', async () => {
    await sandbox.control.seed(Array.from({ length: 10_000 }, (_, i) => ({ name: `Bulk ${i}` })));
    const near = await search({ limit: 200, after: '9900' });
    expect(near.total).toBe(10_004);
    expect(near.results).toHaveLength(100);
    expect(near.paging?.next).toBeUndefined();
    const past = await apiError(search({ limit: 10, after: '10000' }));
    expect(past.code).toBe(400);
    expect(past.body.category).toBe('VALIDATION_ERROR');
  });
});

describe('index lag and rate limit', () => {
  it('shows API writes only after the indexing lag', async () => {
    await sandbox.control.configure({ searchIndexLagMs: 300 });
    await hubspotClient(sandbox).crm.companies.basicApi.create({ properties: { name: 'Fresh Co' }, associations: [] });
    const filter = { propertyName: 'name', operator: Op.Eq, value: 'Fresh Co' };
    expect(await names(filter)).toEqual([]);
    clockAheadMs += 300;
    expect(await names(filter)).toEqual(['Fresh Co']);
  });

  it('allows 5 searches per second (SECONDLY, no rate-limit headers), then recovers', async () => {
    await sandbox.control.configure({ searchPerSecond: 5 });
    const outcomes = await Promise.allSettled(Array.from({ length: 7 }, () => search({})));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    const error = (rejected as PromiseRejectedResult).reason as {
      code: number;
      body: Record<string, unknown>;
      headers: Record<string, string>;
    };
    expect(error.code).toBe(429);
    expect(error.body).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
    expect(error.headers['x-hubspot-ratelimit-max']).toBeUndefined();
    clockAheadMs += 1_000; // the one-second window has passed
    await expect(search({})).resolves.toMatchObject({ total: 4 });
  });
});
