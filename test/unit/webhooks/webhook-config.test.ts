import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/parse-env.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC, loadWebhookConfig, loadWebhookSecrets } from '../../../shared/config/webhook-config.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

const minimal = { WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/hubspot/webhook' };

describe('loadWebhookConfig', () => {
  it('defaults to v3 only, a 1 MiB body limit and the hubspot-webhook-events topic', () => {
    expect(loadWebhookConfig(minimal)).toMatchObject({
      publicUrl: minimal.WEBHOOK_PUBLIC_URL,
      acceptedVersions: ['v3'],
      maxBodyBytes: 1024 * 1024,
      topic: DEFAULT_HUBSPOT_EVENTS_TOPIC,
    });
  });

  it('accepts legacy versions only when listed', () => {
    expect(loadWebhookConfig({ ...minimal, WEBHOOK_SIGNATURE_VERSIONS: 'v3, V1,v3' }).acceptedVersions).toEqual(['v3', 'v1']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a missing public URL', {}, /WEBHOOK_PUBLIC_URL/],
    ['a relative public URL', { WEBHOOK_PUBLIC_URL: '/hubspot/webhook' }, /WEBHOOK_PUBLIC_URL/],
    ['a public URL with a query', { WEBHOOK_PUBLIC_URL: 'https://x.example/h?a=1' }, /query string/],
    ['an unknown signature version', { ...minimal, WEBHOOK_SIGNATURE_VERSIONS: 'v4' }, /WEBHOOK_SIGNATURE_VERSIONS/],
    ['a tiny body limit', { ...minimal, WEBHOOK_MAX_BODY_BYTES: '10' }, /WEBHOOK_MAX_BODY_BYTES/],
  ])('rejects %s, naming the variable', (_name, env, message) => {
    expect(() => loadWebhookConfig(env)).toThrow(message);
  });
});

describe('loadWebhookSecrets', () => {
  const reader = (values: Record<string, string>): SecretReader => ({
    read: async (name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no secret ${name}`);
      return value;
    },
  });

  it('reads the client secret and database URL from Secret Manager resource names', async () => {
    const env = {
      HUBSPOT_CLIENT_SECRET_SECRET: 'projects/p/secrets/hubspot-client-secret/versions/latest',
      DATABASE_URL_SECRET: 'projects/p/secrets/database-url/versions/3',
      HUBSPOT_CLIENT_SECRET: 'ignored-when-a-resource-is-set',
    };
    const secrets = await loadWebhookSecrets(
      env,
      reader({
        'projects/p/secrets/hubspot-client-secret/versions/latest': 'from-secret-manager',
        'projects/p/secrets/database-url/versions/3': 'postgres://u:p@db/warp',
      }),
    );
    expect(secrets).toEqual({ clientSecret: 'from-secret-manager', databaseUrl: 'postgres://u:p@db/warp' });
  });

  it('falls back to env values in local development', async () => {
    const secrets = await loadWebhookSecrets({ HUBSPOT_CLIENT_SECRET: 'local', DATABASE_URL: 'postgres://localhost/warp' }, reader({}));
    expect(secrets.clientSecret).toBe('local');
  });

  it('names what is missing without echoing any value', async () => {
    const error = await loadWebhookSecrets({ DATABASE_URL: 'mysql://secret-password@x' }, reader({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/HUBSPOT_CLIENT_SECRET/);
    expect(String(error)).toMatch(/DATABASE_URL/);
    expect(String(error)).not.toContain('secret-password');
  });
});
