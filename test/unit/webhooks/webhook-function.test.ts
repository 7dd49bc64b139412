import { describe, expect, it } from 'vitest';
import { buildWebhookDeps, lazily } from '../../../functions/hubspot-webhook/deps.js';
import { ConfigError } from '../../../shared/config/parse-env.js';

describe('lazily', () => {
  it('builds once and shares the result', async () => {
    let builds = 0;
    const get = lazily(async () => ({ n: (builds += 1) }));
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(builds).toBe(1);
  });

  it('forgets a failed build so the next request tries again', async () => {
    let builds = 0;
    const get = lazily(async () => {
      builds += 1;
      if (builds === 1) throw new Error('Secret Manager unavailable');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('Secret Manager unavailable');
    await expect(get()).resolves.toBe('ready');
  });
});

describe('buildWebhookDeps', () => {
  const noSecrets = { read: async () => Promise.reject(new Error('not used')) };

  it('refuses to start without the client secret, naming it', async () => {
    const env = { WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/h', DATABASE_URL: 'postgres://127.0.0.1/warp' };
    await expect(buildWebhookDeps(env, noSecrets)).rejects.toThrow(ConfigError);
    await expect(buildWebhookDeps(env, noSecrets)).rejects.toThrow(/HUBSPOT_CLIENT_SECRET/);
  });

  it('wires the configuration into the intake without connecting anywhere yet', async () => {
    const env = {
      WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/h',
      WEBHOOK_SIGNATURE_VERSIONS: 'v3,v2',
      DATABASE_URL: 'postgres://127.0.0.1:1/warp',
      HUBSPOT_CLIENT_SECRET: 'local-secret',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
    };
    const deps = await buildWebhookDeps(env, noSecrets);
    try {
      expect(deps).toMatchObject({
        publicUrl: 'https://hooks.warp.example/h',
        acceptedVersions: ['v3', 'v2'],
        topic: 'hubspot-webhook-events',
        clientSecret: 'local-secret',
      });
    } finally {
      await deps.db.destroy();
      await deps.publisher.close();
    }
  });
});
