import {
  PropertyCreateFieldTypeEnum as Field,
  PropertyCreateTypeEnum as Type,
} from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WARP_COMPANY_PROPERTIES } from '../../../shared/hubspot/company-properties.js';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { apiError, hubspotClient, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

let sandbox: RunningSandbox;
const props = () => hubspotClient(sandbox).crm.properties;
const text = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  label: name,
  groupName: 'companyinformation',
  type: Type.String,
  fieldType: Field.Text,
  ...extra,
});

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => sandbox.close());
beforeEach(async () => sandbox.control.reset());

describe('standard properties', () => {
  it("lists HubSpot's standard company properties", async () => {
    const all = await props().coreApi.getAll('companies');
    const names = all.results.map((p) => p.name);
    for (const name of [
      'name',
      'domain',
      'phone',
      'address',
      'address2',
      'city',
      'state',
      'zip',
      'country',
      'industry',
      'description',
      'website',
      'numberofemployees',
      'annualrevenue',
      'hs_object_id',
      'createdate',
      'hs_lastmodifieddate',
      'hs_merged_object_ids',
    ]) {
      expect(names).toContain(name);
    }
    const modified = await props().coreApi.getByName('companies', 'hs_lastmodifieddate');
    expect(modified).toMatchObject({ type: 'datetime', hubspotDefined: true, modificationMetadata: { readOnlyValue: true } });
    expect((await apiError(props().coreApi.archive('companies', 'name'))).code).toBe(400);
  });
});

describe('custom properties', () => {
  it('creates, reads, updates and archives a property', async () => {
    const created = await props().coreApi.create('companies', {
      ...text('tier'),
      type: Type.Enumeration,
      fieldType: Field.Select,
      options: [
        { label: 'Gold', value: 'GOLD', hidden: false },
        { label: 'Silver', value: 'SILVER', hidden: false },
      ],
    });
    expect(created).toMatchObject({ name: 'tier', type: 'enumeration', hubspotDefined: false, hasUniqueValue: false });
    expect(created.options.map((o) => o.value)).toEqual(['GOLD', 'SILVER']);
    const updated = await props().coreApi.update('companies', 'tier', {
      label: 'Tier',
      options: [{ label: 'Bronze', value: 'BRONZE', hidden: false }],
    });
    expect(updated.label).toBe('Tier');
    expect(updated.options.map((o) => o.value)).toEqual(['BRONZE']);
    const companies = hubspotClient(sandbox).crm.companies.basicApi;
    expect((await apiError(companies.create({ properties: { tier: 'GOLD' }, associations: [] }))).code).toBe(400);
    await props().coreApi.archive('companies', 'tier');
    expect((await apiError(props().coreApi.getByName('companies', 'tier'))).code).toBe(404);
    expect((await props().coreApi.getByName('companies', 'tier', true)).archived).toBe(true);
    const write = await apiError(companies.create({ properties: { tier: 'BRONZE' }, associations: [] }));
    expect(write.body.errors).toEqual([expect.objectContaining({ code: 'PROPERTY_DOESNT_EXIST' })]);
  });

  it('validates names, groups, type/fieldType pairs and duplicates', async () => {
    expect((await apiError(props().coreApi.create('companies', text('Bad Name')))).code).toBe(400);
    expect((await apiError(props().coreApi.create('companies', text('hs_mine')))).code).toBe(400);
    expect((await apiError(props().coreApi.create('companies', text('x', { groupName: 'missing' })))).code).toBe(400);
    expect((await apiError(props().coreApi.create('companies', text('x', { fieldType: Field.Select })))).code).toBe(400);
    await props().coreApi.create('companies', text('x'));
    const dup = await apiError(props().coreApi.create('companies', text('x')));
    expect(dup.code).toBe(409);
    expect(dup.body.category).toBe('OBJECT_ALREADY_EXISTS');
    expect((await apiError(props().coreApi.getAll('contacts'))).code).toBe(400);
  });

  it('allows at most 10 unique-value properties', async () => {
    for (let i = 0; i < 10; i++) await props().coreApi.create('companies', text(`unique_${i}`, { hasUniqueValue: true }));
    const eleventh = await apiError(props().coreApi.create('companies', text('unique_10', { hasUniqueValue: true })));
    expect(eleventh.code).toBe(400);
    expect(eleventh.body.category).toBe('VALIDATION_ERROR');
    expect(String(eleventh.body.message)).toMatch(/at most 10 unique/);
  });

  it('batch-creates, batch-reads and batch-archives properties', async () => {
    const created = await props().batchApi.create('companies', { inputs: [text('b1'), text('b2')] });
    expect(created.results.map((p) => p.name).sort()).toEqual(['b1', 'b2']);
    const read = await props().batchApi.read('companies', { inputs: [{ name: 'b1' }, { name: 'nope' }], archived: false });
    expect(read.results.map((p) => p.name)).toEqual(['b1']);
    await props().batchApi.archive('companies', { inputs: [{ name: 'b1' }, { name: 'b2' }] });
    expect((await apiError(props().coreApi.getByName('companies', 'b2'))).code).toBe(404);
  });
});

describe('property groups', () => {
  it('creates, lists, updates and archives groups', async () => {
    const group = await props().groupsApi.create('companies', { name: 'billing', label: 'Billing' });
    expect(group).toMatchObject({ name: 'billing', label: 'Billing', archived: false });
    expect((await props().groupsApi.getAll('companies')).results.map((g) => g.name)).toContain('billing');
    expect((await props().groupsApi.update('companies', 'billing', { label: 'Billing info' })).label).toBe('Billing info');
    expect((await props().groupsApi.getByName('companies', 'billing')).label).toBe('Billing info');
    expect((await apiError(props().groupsApi.create('companies', { name: 'billing', label: 'Again' }))).code).toBe(409);
    await props().coreApi.create('companies', text('in_billing', { groupName: 'billing' }));
    expect((await apiError(props().groupsApi.archive('companies', 'billing'))).code).toBe(409);
    await props().coreApi.archive('companies', 'in_billing');
    await props().groupsApi.archive('companies', 'billing');
    expect((await apiError(props().groupsApi.getByName('companies', 'billing'))).code).toBe(404);
  });
});

describe('ensureCompanyProperties', () => {
  it('creates the warp group and properties once, then finds them', async () => {
    const { logger, lines } = createMemoryLogger();
    const first = await ensureCompanyProperties(hubspotClient(sandbox), logger);
    expect(first.created).toEqual(['group:warp', ...WARP_COMPANY_PROPERTIES.map((p) => p.name)]);
    expect(first.found).toEqual([]);
    expect(lines.filter((l) => l.message === 'hubspot property created')).toHaveLength(WARP_COMPANY_PROPERTIES.length);

    await sandbox.control.clearRequests();
    const second = await ensureCompanyProperties(hubspotClient(sandbox), logger);
    expect(second).toEqual({ created: [], updated: [], found: ['group:warp', ...WARP_COMPANY_PROPERTIES.map((p) => p.name)] });
    const log = await sandbox.control.requests();
    expect(log.requests.every((r) => r.method === 'GET')).toBe(true);

    const ban = await props().coreApi.getByName('companies', 'warp_ban');
    expect(ban).toMatchObject({ hasUniqueValue: true, groupName: 'warp', type: 'string' });
    const status = await props().coreApi.getByName('companies', 'warp_status');
    expect(status.options.map((o) => o.value)).toEqual(['ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED']);
    expect((await props().coreApi.getByName('companies', 'warp_credit_limit')).type).toBe('number');
  });

  it('repairs drift (a missing option, a changed label) and keeps options added in HubSpot', async () => {
    await ensureCompanyProperties(hubspotClient(sandbox), createMemoryLogger().logger);
    await props().coreApi.update('companies', 'warp_status', {
      label: 'Renamed',
      options: [
        { label: 'Active', value: 'ACTIVE', hidden: false },
        { label: 'Legacy', value: 'LEGACY', hidden: false },
      ],
    });
    const result = await ensureCompanyProperties(hubspotClient(sandbox), createMemoryLogger().logger);
    expect(result.updated).toEqual(['warp_status']);
    const status = await props().coreApi.getByName('companies', 'warp_status');
    expect(status.label).toBe('WARP status');
    expect(status.options.map((o) => o.value)).toEqual(['ACTIVE', 'SUSPENDED', 'TRIAL', 'CLOSED', 'LEGACY']);
  });
});
