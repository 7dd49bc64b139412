import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

// functions/index.ts is the deployed package's `main`: every Cloud Function's --entry-point must
// resolve through it, loading only the module that registers that entry point.
const ROOT = path.resolve(import.meta.dirname, '../../..');

async function registeredNames(): Promise<string[]> {
  const names: string[] = [];
  for (const dir of await readdir(path.join(ROOT, 'functions'), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const text = await readFile(path.join(ROOT, 'functions', dir.name, 'index.ts'), 'utf8').catch(() => '');
    for (const match of text.matchAll(/\b(?:http|cloudEvent)\(\s*'([^']+)'/g)) names.push(match[1]!);
  }
  return names.sort();
}

async function importIndexFor(target: string) {
  vi.resetModules();
  vi.stubEnv('FUNCTION_TARGET', target);
  // hubspotWebhook reads its config at module load: the least env it starts with.
  vi.stubEnv('WEBHOOK_PUBLIC_URL', 'https://hooks.warp.example/hubspot');
  vi.stubEnv('HUBSPOT_CLIENT_SECRET', 'test-client-secret');
  vi.stubEnv('DATABASE_URL', 'postgres://127.0.0.1:1/warp');
  return import('../../../functions/index.js');
}

afterEach(() => vi.unstubAllEnvs());

describe('functions/index.ts', () => {
  it('knows exactly the entry points the function modules register', async () => {
    const { ENTRY_POINTS } = await importIndexFor('hubspotWebhook');
    expect(Object.keys(ENTRY_POINTS).sort()).toEqual(await registeredNames());
  });

  it('registers the target without loading other functions (their start-up config is not required)', async () => {
    // customerApi would throw at import without JWT_SECRET, so it must not be loaded.
    await importIndexFor('hubspotWebhook');
    expect(getFunction('hubspotWebhook')).toBeTypeOf('function');
    expect(getFunction('customerApi')).toBeUndefined();
  });

  it('fails start-up for an unknown target, naming the valid ones', async () => {
    await expect(importIndexFor('nope')).rejects.toThrow(/Unknown function target "nope": expected one of customerApi/);
  });

  it('takes the target from FUNCTION_TARGET, else from a --target flag', async () => {
    const { resolveTarget } = await importIndexFor('hubspotWebhook');
    expect(resolveTarget({ FUNCTION_TARGET: 'fieldSync' }, ['node', 'ff', '--target=customerApi'])).toBe('fieldSync');
    expect(resolveTarget({}, ['node', 'ff', '--target=outboxRelay'])).toBe('outboxRelay');
    expect(resolveTarget({}, ['node', 'ff', '--target', 'hubspotInbound'])).toBe('hubspotInbound');
    expect(resolveTarget({}, ['node', 'ff'])).toBeUndefined();
  });
});
