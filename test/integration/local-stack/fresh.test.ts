import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localDataPaths, removeLocalData } from '../../../dev/local/stack.js';

describe('npm start -- --fresh', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'stack-data-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('deletes the database data directory and the sandbox state beside it, and nothing else', async () => {
    const env = { LOCAL_PG_DATA: path.join(dir, 'postgres') };
    const paths = localDataPaths(env);
    expect(paths.hubspotSandbox).toBe(path.join(dir, 'hubspot-sandbox.json'));
    await mkdir(paths.postgres);
    await writeFile(path.join(paths.postgres, 'PG_VERSION'), '17');
    await writeFile(paths.hubspotSandbox, '{}');
    await writeFile(path.join(dir, 'other'), 'kept');

    expect(await removeLocalData(env)).toEqual(paths);
    expect(existsSync(paths.postgres)).toBe(false);
    expect(existsSync(paths.hubspotSandbox)).toBe(false);
    expect(existsSync(path.join(dir, 'other'))).toBe(true);
    // A first run has neither: nothing to delete is not an error.
    await expect(removeLocalData(env)).resolves.toEqual(paths);
  });
});
