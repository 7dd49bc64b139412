import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configLoader } from '../../../shared/config/load-config.js';
import { noSecretManager, problems, secretManager } from './config-test-support.js';

const RESOURCE = 'projects/p/secrets/api-key/versions/2';
const load = configLoader({
  secrets: ['API_KEY', 'OPTIONAL_KEY'],
  schema: z
    .object({
      API_KEY: z.string().min(8, 'must be at least 8 characters'),
      OPTIONAL_KEY: z.string().optional(),
      LIMIT: z.coerce.number().int(),
    })
    .transform((env) => ({ apiKey: env.API_KEY, optionalKey: env.OPTIONAL_KEY, limit: env.LIMIT })),
});

describe('configLoader', () => {
  it("gives the schema's camelCase output, a secret taken from NAME locally", async () => {
    expect(await load({ API_KEY: 'local-key', LIMIT: '3' }, noSecretManager)).toEqual({ apiKey: 'local-key', limit: 3 });
  });

  it('reads a secret from the Secret Manager version NAME_SECRET names, ahead of NAME', async () => {
    const reader = secretManager({ [RESOURCE]: 'from-secret-manager' });
    const config = await load({ API_KEY_SECRET: RESOURCE, API_KEY: 'ignored-key', LIMIT: '3' }, reader);
    expect(config.apiKey).toBe('from-secret-manager');
    expect(reader.reads).toEqual([RESOURCE]);
  });

  it('names a missing required secret with its NAME_SECRET alternative; an empty value counts as missing', async () => {
    for (const env of [{ LIMIT: '3' }, { API_KEY: '', LIMIT: '3' }]) {
      expect(await problems(() => load(env, noSecretManager))).toEqual(['API_KEY: is required (or API_KEY_SECRET)']);
    }
  });

  it('names an unusable NAME_SECRET once, not again as a missing value, even for an optional secret', async () => {
    expect(await problems(() => load({ API_KEY_SECRET: 'api-key', LIMIT: '3' }, noSecretManager))).toEqual([
      'API_KEY_SECRET: API_KEY_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)',
    ]);
    expect(await problems(() => load({ API_KEY: 'local-key', OPTIONAL_KEY_SECRET: RESOURCE, LIMIT: '3' }, secretManager({})))).toEqual([
      `OPTIONAL_KEY_SECRET: secret ${RESOURCE} not found`,
    ]);
  });

  it('names every bad variable in one ConfigError, never echoing a secret', async () => {
    const found = await problems(() => load({ API_KEY: 'hunter2', LIMIT: 'lots' }, noSecretManager));
    expect(found.map((p) => p.split(':')[0])).toEqual(['API_KEY', 'LIMIT']);
    expect(found.join('\n')).not.toContain('hunter2');
  });
});
