import { describe, expect, it } from 'vitest';
import { buildWebhookDeps } from '../../../functions/hubspot-webhook/deps.js';
import { loadWebhookConfig } from '../../../shared/config/webhook-config.js';

describe('buildWebhookDeps', () => {
  const noSecrets = { read: async () => Promise.reject(new Error('not used')) };

  it('wires the configuration into the intake without connecting anywhere yet', async () => {
    const env = {
      WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/h',
      WEBHOOK_SIGNATURE_VERSIONS: 'v3,v2',
      DATABASE_URL: 'postgres://127.0.0.1:1/warp',
      HUBSPOT_CLIENT_SECRET: 'local-secret',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:1',
    };
    const deps = buildWebhookDeps(await loadWebhookConfig(env, noSecrets));
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
