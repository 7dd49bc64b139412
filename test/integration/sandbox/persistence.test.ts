import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureCompanyProperties } from '../../../shared/hubspot/ensure-properties.js';
import { createMemoryLogger } from '../../../shared/logging/logger.js';
import { waitFor } from '../../support/wait-for.js';
import { hubspotClient, rawCall, startSandbox } from './sandbox-fixtures.js';
import type { RunningSandbox } from './sandbox-fixtures.js';

let dir: string;
let stateFile: string;
const running: RunningSandbox[] = [];

async function start(options: { stateFile?: string } = { stateFile }): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  running.push(sandbox);
  return sandbox;
}

async function stop(sandbox: RunningSandbox): Promise<void> {
  running.splice(running.indexOf(sandbox), 1);
  await sandbox.close();
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sandbox-state-'));
  stateFile = path.join(dir, 'hubspot-sandbox.json');
});
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sandbox state file', () => {
  it('brings companies, their history, properties and the id counter back after a restart', async () => {
    const first = await start();
    const client = hubspotClient(first);
    await ensureCompanyProperties(client, createMemoryLogger().logger);
    const acme = await client.crm.companies.basicApi.create({ properties: { name: 'Acme', warp_ban: 'BAN-1' }, associations: [] });
    await client.crm.companies.basicApi.update(acme.id, { properties: { name: 'Acme Telecom' } });
    const gone = await client.crm.companies.basicApi.create({ properties: { name: 'Gone' }, associations: [] });
    await client.crm.companies.basicApi.archive(gone.id);
    const before = await rawCall(first, 'GET', `/crm/v3/objects/companies/${acme.id}?properties=name,warp_ban&propertiesWithHistory=name`);
    await stop(first);

    const second = await start();
    const after = await rawCall(second, 'GET', `/crm/v3/objects/companies/${acme.id}?properties=name,warp_ban&propertiesWithHistory=name`);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect(after.body).toMatchObject({ properties: { name: 'Acme Telecom', warp_ban: 'BAN-1' } });
    const history = (after.body.propertiesWithHistory as Record<string, Array<{ value: string }>>).name;
    expect(history?.map((h) => h.value)).toEqual(['Acme Telecom', 'Acme']);

    const client2 = hubspotClient(second);
    expect((await client2.crm.properties.coreApi.getByName('companies', 'warp_ban')).hasUniqueValue).toBe(true);
    expect((await rawCall(second, 'GET', `/crm/v3/objects/companies/${gone.id}?archived=true`)).status).toBe(200);
    // Unique values survive too: the same BAN is still taken.
    expect((await rawCall(second, 'POST', '/crm/v3/objects/companies', { properties: { warp_ban: 'BAN-1' } })).status).toBe(409);

    const next = await client2.crm.companies.basicApi.create({ properties: { name: 'Next' }, associations: [] });
    expect(BigInt(next.id)).toBeGreaterThan(BigInt(gone.id));
  });

  it('saves shortly after a change without waiting for close, and starts empty without a file', async () => {
    const sandbox = await start();
    expect(existsSync(stateFile)).toBe(false);
    const created = await hubspotClient(sandbox).crm.companies.basicApi.create({ properties: { name: 'Autosaved' }, associations: [] });
    await waitFor(
      async () => existsSync(stateFile) && readFileSync(stateFile, 'utf8').includes(created.id),
      'the state file to hold the company',
    );
  });

  it('refuses a file that is not sandbox state, rather than starting empty over it', async () => {
    writeFileSync(stateFile, JSON.stringify({ version: 1, companies: [] }));
    await expect(start()).rejects.toThrow(/is not a sandbox state file/);
  });

  it('without a state file stays in memory: a new sandbox starts empty', async () => {
    const first = await start({});
    const created = await hubspotClient(first).crm.companies.basicApi.create({ properties: { name: 'Ephemeral' }, associations: [] });
    await stop(first);
    const second = await start({});
    expect((await rawCall(second, 'GET', `/crm/v3/objects/companies/${created.id}`)).status).toBe(404);
    expect(existsSync(stateFile)).toBe(false);
  });
});
