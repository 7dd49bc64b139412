import {
  PropertyCreateFieldTypeEnum as FieldType,
  PropertyCreateTypeEnum as PropertyType,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { clockPast } from '../../support/wait-for.js';
import { apiError, hubspotClient, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

let sandbox: RunningSandbox;
const client = () => hubspotClient(sandbox);

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
  await ensureCompanyProperties(client(), createMemoryLogger().logger);
});

const create = (properties: Record<string, string>) => client().crm.companies.basicApi.create({ properties, associations: [] });

describe('auth', () => {
  it("lets the read-scoped app's token read, search and batch read, and answers its writes 403 MISSING_SCOPES", async () => {
    const { id } = await create({ name: 'Readable' });
    const reader = hubspotClient(sandbox, sandbox.readToken);
    expect((await reader.crm.companies.basicApi.getById(id, ['name'])).properties.name).toBe('Readable');
    await reader.crm.companies.batchApi.read({ inputs: [{ id }], properties: ['name'], propertiesWithHistory: [] });
    await reader.crm.companies.searchApi.doSearch({ filterGroups: [], properties: ['name'], limit: 1 });
    for (const write of [
      reader.crm.companies.basicApi.update(id, { properties: { name: 'Nope' } }),
      reader.crm.companies.batchApi.update({ inputs: [{ id, properties: { name: 'Nope' } }] }),
      reader.crm.properties.coreApi.create('companies', {
        name: 'nope',
        label: 'Nope',
        type: PropertyType.String,
        fieldType: FieldType.Text,
        groupName: 'companyinformation',
      }),
    ]) {
      const { code, body } = await apiError(write);
      expect(code).toBe(403);
      expect(body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES' });
    }
    expect((await client().crm.companies.basicApi.getById(id, ['name'])).properties.name).toBe('Readable');
  });

  it("answers 401 with HubSpot's body for a wrong token, and logs the call", async () => {
    const { code, body } = await apiError(hubspotClient(sandbox, 'pat-wrong').crm.companies.basicApi.getPage());
    expect(code).toBe(401);
    expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(body.message).toMatch(/^Authentication credentials not found/);
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const log = await sandbox.control.requests();
    expect(log.requests.at(-1)).toMatchObject({ method: 'GET', path: '/crm/v3/objects/companies', status: 401 });
  });
});

describe('single-object calls', () => {
  it('creates with HubSpot bookkeeping and reads back by id', async () => {
    const created = await create({ name: 'Acme Telecom', warp_ban: 'BAN-1', warp_current_balance: '12.50' });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties).toMatchObject({ name: 'Acme Telecom', hs_object_id: created.id, warp_ban: 'BAN-1' });
    expect(created.properties.createdate).toBe(created.properties.hs_lastmodifieddate);

    const read = await client().crm.companies.basicApi.getById(created.id, ['name', 'warp_ban', 'phone', 'no_such_prop']);
    expect(read.properties).toEqual({ name: 'Acme Telecom', warp_ban: 'BAN-1', phone: null });
    const defaults = await client().crm.companies.basicApi.getById(created.id);
    expect(Object.keys(defaults.properties).sort()).toEqual(['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name']);
  });

  it('reads and updates by a unique idProperty', async () => {
    const created = await create({ name: 'Beta', warp_ban: 'BAN-2' });
    const byBan = await client().crm.companies.basicApi.getById('BAN-2', ['name'], undefined, undefined, false, 'warp_ban');
    expect(byBan.id).toBe(created.id);
    const updated = await client().crm.companies.basicApi.update('BAN-2', { properties: { city: 'Austin' } }, 'warp_ban');
    expect(updated.id).toBe(created.id);
    expect(updated.properties.city).toBe('Austin');
    const notUnique = await apiError(client().crm.companies.basicApi.getById('Beta', undefined, undefined, undefined, false, 'name'));
    expect(notUnique.code).toBe(400);
  });

  it('moves hs_lastmodifieddate on update and keeps history newest first with the integration as source', async () => {
    const created = await create({ name: 'Gamma' });
    await clockPast(created.properties.hs_lastmodifieddate!); // the update gets a later timestamp
    await client().crm.companies.basicApi.update(created.id, { properties: { name: 'Gamma Ltd' } });
    const read = await client().crm.companies.basicApi.getById(created.id, ['name', 'hs_lastmodifieddate'], ['name']);
    expect(read.properties.hs_lastmodifieddate).not.toBe(created.properties.hs_lastmodifieddate);
    const history = read.propertiesWithHistory?.name ?? [];
    expect(history.map((h) => h.value)).toEqual(['Gamma Ltd', 'Gamma']);
    expect(history[0]).toMatchObject({ sourceType: 'INTEGRATION', sourceId: String(sandbox.appId) });
    expect(history[0]?.timestamp.getTime()).toBeGreaterThanOrEqual(history[1]?.timestamp.getTime() ?? Infinity);
  });

  it('records user edits as CRM_UI with the user id', async () => {
    const created = await create({ name: 'Delta' });
    await sandbox.control.editAsUser(created.id, { name: 'Delta (edited)' }, 42);
    const read = await client().crm.companies.basicApi.getById(created.id, ['name'], ['name']);
    expect(read.propertiesWithHistory?.name?.[0]).toMatchObject({ value: 'Delta (edited)', sourceType: 'CRM_UI', sourceId: 'userId:42' });
  });

  it('archives softly: gone from normal reads, listed with archived=true, restorable', async () => {
    const created = await create({ name: 'Epsilon', warp_ban: 'BAN-E' });
    await client().crm.companies.basicApi.archive(created.id);
    expect((await apiError(client().crm.companies.basicApi.getById(created.id))).code).toBe(404);
    const archived = await client().crm.companies.basicApi.getById(created.id, undefined, undefined, undefined, true);
    expect(archived.archived).toBe(true);
    expect(archived.archivedAt).toBeInstanceOf(Date);
    const page = await client().crm.companies.basicApi.getPage(10, undefined, ['name'], undefined, undefined, true);
    expect(page.results.map((r) => r.id)).toEqual([created.id]);

    await sandbox.control.restoreAsUser(created.id);
    const restored = await client().crm.companies.basicApi.getById(created.id, ['warp_ban']);
    expect(restored).toMatchObject({ archived: false, properties: { warp_ban: 'BAN-E' } });
  });

  it('lists with paging (limit <= 100) and property selection', async () => {
    await sandbox.control.seed(Array.from({ length: 25 }, (_, i) => ({ name: `Co ${i}` })));
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await client().crm.companies.basicApi.getPage(10, after, ['name']);
      seen.push(...page.results.map((r) => r.properties.name ?? ''));
      after = page.paging?.next?.after;
    } while (after);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `Co ${i}`));
    expect((await apiError(client().crm.companies.basicApi.getPage(101))).code).toBe(400);
    expect((await apiError(client().crm.companies.basicApi.getPage(51, undefined, undefined, ['name']))).code).toBe(400);
  });
});

describe('validation', () => {
  it('rejects unknown properties and invalid values with VALIDATION_ERROR', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ not_a_property: 'x' }, 'PROPERTY_DOESNT_EXIST'],
      [{ warp_status: 'ASLEEP' }, 'INVALID_OPTION'],
      [{ warp_credit_limit: 'ten dollars' }, 'INVALID_DECIMAL'],
      [{ warp_credit_limit: ' 10.00' }, 'LEADING_TRAILING_WHITESPACE'],
      [{ hs_lastmodifieddate: '2024-01-01T00:00:00Z' }, 'READ_ONLY_VALUE'],
    ];
    for (const [properties, code] of cases) {
      const { code: status, body } = await apiError(create(properties));
      expect(status).toBe(400);
      expect(body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(body.message).toMatch(/^Property values were not valid: /);
      expect(body.errors).toEqual([expect.objectContaining({ code, context: { propertyName: Object.keys(properties) } })]);
    }
    const ok = await create({ warp_status: 'ACTIVE', warp_credit_limit: '1500.00', warp_payment_terms: '30' });
    expect(ok.properties.warp_status).toBe('ACTIVE');
  });

  it('refuses a second company with the same unique value (409 CONFLICT) and nothing is written', async () => {
    const first = await create({ name: 'One', warp_ban: 'BAN-DUP' });
    const { code, body } = await apiError(create({ name: 'Two', warp_ban: 'BAN-DUP' }));
    expect(code).toBe(409);
    expect(body).toMatchObject({ category: 'CONFLICT' });
    expect(body.message).toContain(first.id);
    const all = await client().crm.companies.basicApi.getPage(100);
    expect(all.results).toHaveLength(1);
    const patch = await apiError(
      create({ name: 'Three' }).then((c) => client().crm.companies.basicApi.update(c.id, { properties: { warp_ban: 'BAN-DUP' } })),
    );
    expect(patch.code).toBe(409);
  });
});

describe('merge', () => {
  it('keeps the primary, fills its empty values, records hs_merged_object_ids and redirects the old id', async () => {
    const primary = await create({ name: 'Primary', city: '' });
    const other = await create({ name: 'Other', city: 'Denver', phone: '555-0100' });
    const merged = await client().crm.companies.basicApi.merge({ primaryObjectId: primary.id, objectIdToMerge: other.id });
    expect(merged.id).toBe(primary.id);
    const read = await client().crm.companies.basicApi.getById(primary.id, ['name', 'city', 'phone', 'hs_merged_object_ids']);
    expect(read.properties).toEqual({ name: 'Primary', city: 'Denver', phone: '555-0100', hs_merged_object_ids: other.id });
    const viaOldId = await client().crm.companies.basicApi.getById(other.id);
    expect(viaOldId.id).toBe(primary.id);
    const page = await client().crm.companies.basicApi.getPage(100);
    expect(page.results.map((r) => r.id)).toEqual([primary.id]);
    expect((await apiError(client().crm.companies.basicApi.merge({ primaryObjectId: primary.id, objectIdToMerge: primary.id }))).code).toBe(
      400,
    );
  });
});
