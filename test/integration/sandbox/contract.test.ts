import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { hubspotClient, rawCall, schemaErrors, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

// Raw JSON (not the client's deserialised objects) checked against HubSpot's OpenAPI schemas.
let sandbox: RunningSandbox;
const C = 'crm-companies-v3.json#/components/schemas/' as const;
const P = 'crm-properties-v3.json#/components/schemas/' as const;
const W = 'webhooks-v3.json#/components/schemas/' as const;
const COMPANIES = '/crm/v3/objects/companies';

beforeAll(async () => {
  sandbox = await startSandbox({ rateLimits: { tenSecondLimit: 1000 }, webhooks: { targetUrl: 'http://127.0.0.1:9/unused' } });
  await ensureCompanyProperties(hubspotClient(sandbox), createMemoryLogger().logger);
});
afterAll(async () => sandbox.close());

async function expectContract(method: string, path: string, body: unknown, status: number, schema: Parameters<typeof schemaErrors>[0]) {
  const res = await rawCall(sandbox, method, path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(schemaErrors(schema, res.body)).toEqual([]);
  return res.body;
}

describe('companies endpoints match crm-companies-v3', () => {
  it('the validator itself rejects wrong shapes', () => {
    expect(schemaErrors(`${C}SimplePublicObject`, { id: 1, properties: { a: 2 } })).not.toEqual([]);
    expect(schemaErrors(`${C}Error`, { status: 'error', message: 'x' })).not.toEqual([]);
  });

  it('single-object calls, list, search and merge', async () => {
    const created = await expectContract(
      'POST',
      COMPANIES,
      { properties: { name: 'Acme', warp_ban: 'K1' } },
      201,
      `${C}SimplePublicObject`,
    );
    const other = await expectContract('POST', COMPANIES, { properties: { name: 'Other', city: 'Reno' } }, 201, `${C}SimplePublicObject`);
    await expectContract(
      'GET',
      `${COMPANIES}/${String(created.id)}?properties=name,phone&propertiesWithHistory=name`,
      undefined,
      200,
      `${C}SimplePublicObjectWithAssociations`,
    );
    await expectContract('GET', `${COMPANIES}/K1?idProperty=warp_ban`, undefined, 200, `${C}SimplePublicObjectWithAssociations`);
    await expectContract('PATCH', `${COMPANIES}/${String(created.id)}`, { properties: { city: 'Austin' } }, 200, `${C}SimplePublicObject`);
    await expectContract(
      'GET',
      `${COMPANIES}?limit=1&propertiesWithHistory=city`,
      undefined,
      200,
      `${C}CollectionResponseSimplePublicObjectWithAssociationsForwardPaging`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/search`,
      { filterGroups: [], sorts: ['name'], properties: ['name'], limit: 1 },
      200,
      `${C}CollectionResponseWithTotalSimplePublicObjectForwardPaging`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/merge`,
      { primaryObjectId: created.id, objectIdToMerge: other.id },
      200,
      `${C}SimplePublicObject`,
    );
    const del = await rawCall(sandbox, 'DELETE', `${COMPANIES}/${String(created.id)}`);
    expect(del.status).toBe(204);
    await expectContract(
      'GET',
      `${COMPANIES}/${String(created.id)}?archived=true`,
      undefined,
      200,
      `${C}SimplePublicObjectWithAssociations`,
    );
  });

  it('batch calls, including 207 multi-status', async () => {
    const created = await expectContract(
      'POST',
      `${COMPANIES}/batch/create`,
      { inputs: [{ properties: { name: 'B1', warp_ban: 'BB1' } }] },
      201,
      `${C}BatchResponseSimplePublicObject`,
    );
    const id = String((created.results as Array<{ id: string }>)[0]?.id);
    await expectContract(
      'POST',
      `${COMPANIES}/batch/read`,
      { inputs: [{ id }], properties: ['name'], propertiesWithHistory: ['name'] },
      200,
      `${C}BatchResponseSimplePublicObject`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/batch/read`,
      { inputs: [{ id }, { id: '1' }], properties: [], propertiesWithHistory: [] },
      207,
      `${C}BatchResponseSimplePublicObjectWithErrors`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/batch/update`,
      { inputs: [{ id, properties: { city: 'X' } }] },
      200,
      `${C}BatchResponseSimplePublicObject`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/batch/update`,
      {
        inputs: [
          { id, properties: { city: 'Y' } },
          { id: '1', properties: {} },
        ],
      },
      207,
      `${C}BatchResponseSimplePublicObjectWithErrors`,
    );
    await expectContract(
      'POST',
      `${COMPANIES}/batch/upsert`,
      {
        inputs: [
          { id: 'BB1', idProperty: 'warp_ban', properties: { name: 'B1!' } },
          { id: 'BB2', idProperty: 'warp_ban', properties: {} },
        ],
      },
      200,
      `${C}BatchResponseSimplePublicUpsertObject`,
    );
    expect((await rawCall(sandbox, 'POST', `${COMPANIES}/batch/archive`, { inputs: [{ id }] })).status).toBe(204);
  });

  it('errors carry the Error schema (400, 401, 404, 409)', async () => {
    await expectContract('POST', COMPANIES, { properties: { nope: '1' } }, 400, `${C}Error`);
    await expectContract('GET', `${COMPANIES}/999`, undefined, 404, `${C}Error`);
    await expectContract('POST', COMPANIES, { properties: { warp_ban: 'E1' } }, 201, `${C}SimplePublicObject`);
    await expectContract('POST', COMPANIES, { properties: { warp_ban: 'E1' } }, 409, `${C}Error`);
    await expectContract('POST', `${COMPANIES}/batch/create`, { inputs: [{ properties: { warp_status: 'BAD' } }] }, 400, `${C}Error`);
    const unauth = await fetch(`${sandbox.url}${COMPANIES}`);
    expect(unauth.status).toBe(401);
    expect(schemaErrors(`${C}Error`, await unauth.json())).toEqual([]);
  });
});

describe('properties endpoints match crm-properties-v3', () => {
  it('properties and groups', async () => {
    const base = '/crm/v3/properties/companies';
    await expectContract('GET', base, undefined, 200, `${P}CollectionResponsePropertyNoPaging`);
    await expectContract('GET', `${base}/warp_status`, undefined, 200, `${P}Property`);
    await expectContract(
      'POST',
      base,
      { name: 'c1', label: 'C1', groupName: 'warp', type: 'bool', fieldType: 'booleancheckbox' },
      201,
      `${P}Property`,
    );
    await expectContract('PATCH', `${base}/c1`, { label: 'C one' }, 200, `${P}Property`);
    await expectContract(
      'POST',
      `${base}/batch/create`,
      { inputs: [{ name: 'c2', label: 'C2', groupName: 'warp', type: 'number', fieldType: 'number' }] },
      201,
      `${P}BatchResponseProperty`,
    );
    await expectContract('POST', `${base}/batch/read`, { inputs: [{ name: 'c2' }], archived: false }, 200, `${P}BatchResponseProperty`);
    await expectContract(
      'POST',
      `${base}/batch/read`,
      { inputs: [{ name: 'c2' }, { name: 'zz' }], archived: false },
      207,
      `${P}BatchResponsePropertyWithErrors`,
    );
    await expectContract('GET', `${base}/groups`, undefined, 200, `${P}CollectionResponsePropertyGroupNoPaging`);
    await expectContract('POST', `${base}/groups`, { name: 'g1', label: 'G1' }, 201, `${P}PropertyGroup`);
    await expectContract('GET', `${base}/groups/g1`, undefined, 200, `${P}PropertyGroup`);
    await expectContract('PATCH', `${base}/groups/g1`, { displayOrder: 3 }, 200, `${P}PropertyGroup`);
    await expectContract(
      'POST',
      base,
      { name: 'c1', label: 'again', groupName: 'warp', type: 'string', fieldType: 'text' },
      409,
      `${P}Error`,
    );
  });
});

describe('webhooks endpoints match webhooks-v3', () => {
  it('settings and subscriptions', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sandbox.url}/webhooks/v3/${sandbox.appId}${path}?hapikey=${sandbox.developerApiKey}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
    };
    const settings = await call('GET', '/settings');
    expect(schemaErrors(`${W}SettingsResponse`, settings.body)).toEqual([]);
    const list = await call('GET', '/subscriptions');
    expect(schemaErrors(`${W}SubscriptionListResponse`, list.body)).toEqual([]);
    const created = await call('POST', '/subscriptions', { eventType: 'company.propertyChange', propertyName: 'name', active: true });
    expect(created.status).toBe(201);
    expect(schemaErrors(`${W}SubscriptionResponse`, created.body)).toEqual([]);
  });
});
