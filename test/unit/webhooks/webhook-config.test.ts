import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/parse-env.js';
import { DEFAULT_HUBSPOT_EVENTS_TOPIC, loadWebhookConfig } from '../../../shared/config/webhook-config.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

const noSecrets: SecretReader = { read: () => Promise.reject(new Error('Secret Manager is not used here')) };
const minimal = {
  WEBHOOK_PUBLIC_URL: 'https://hooks.warp.example/hubspot/webhook',
  HUBSPOT_CLIENT_SECRET: 'local',
  DATABASE_URL: 'postgres://localhost/warp',
};

describe('loadWebhookConfig', () => {
  it('defaults to v3 only, a 1 MiB body limit, the hubspot-webhook-events topic and a pool of 5', async () => {
    expect(await loadWebhookConfig(minimal, noSecrets)).toMatchObject({
      webhook: { publicUrl: minimal.WEBHOOK_PUBLIC_URL, acceptedVersions: ['v3'], maxBodyBytes: 1024 * 1024 },
      hubspotEventsTopic: DEFAULT_HUBSPOT_EVENTS_TOPIC,
      database: { maxConnections: 5 },
    });
  });

  it('accepts legacy versions only when listed', async () => {
    const config = await loadWebhookConfig({ ...minimal, WEBHOOK_SIGNATURE_VERSIONS: 'v3, V1,v3' }, noSecrets);
    expect(config.webhook.acceptedVersions).toEqual(['v3', 'v1']);
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['a missing public URL', { WEBHOOK_PUBLIC_URL: undefined }, /WEBHOOK_PUBLIC_URL/],
    ['a relative public URL', { WEBHOOK_PUBLIC_URL: '/hubspot/webhook' }, /WEBHOOK_PUBLIC_URL/],
    ['a public URL with a query', { WEBHOOK_PUBLIC_URL: 'https://x.example/h?a=1' }, /query string/],
    ['an unknown signature version', { WEBHOOK_SIGNATURE_VERSIONS: 'v4' }, /WEBHOOK_SIGNATURE_VERSIONS/],
    ['a tiny body limit', { WEBHOOK_MAX_BODY_BYTES: '10' }, /WEBHOOK_MAX_BODY_BYTES/],
    ['a topic path instead of an id', { HUBSPOT_EVENTS_TOPIC: 'projects/p/topics/t' }, /HUBSPOT_EVENTS_TOPIC: must be a Pub\/Sub topic id/],
  ])('rejects %s, naming the variable', async (_name, env, message) => {
    await expect(loadWebhookConfig({ ...minimal, ...env }, noSecrets)).rejects.toThrow(message);
  });
});

describe('the webhook secrets', () => {
  const reader = (values: Record<string, string>): SecretReader => ({
    read: async (name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no secret ${name}`);
      return value;
    },
  });

  it('reads the client secret and database URL from Secret Manager resource names', async () => {
    const env = {
      WEBHOOK_PUBLIC_URL: minimal.WEBHOOK_PUBLIC_URL,
      HUBSPOT_CLIENT_SECRET_SECRET: 'projects/p/secrets/hubspot-client-secret/versions/latest',
      DATABASE_URL_SECRET: 'projects/p/secrets/database-url/versions/3',
      HUBSPOT_CLIENT_SECRET: 'ignored-when-a-resource-is-set',
    };
    const config = await loadWebhookConfig(
      env,
      reader({
        'projects/p/secrets/hubspot-client-secret/versions/latest': 'from-secret-manager',
        'projects/p/secrets/database-url/versions/3': 'postgres://u:p@db/warp',
      }),
    );
    expect(config).toMatchObject({ webhook: { clientSecret: 'from-secret-manager' }, databaseUrl: 'postgres://u:p@db/warp' });
  });

  it('falls back to env values in local development', async () => {
    expect((await loadWebhookConfig(minimal, reader({}))).webhook.clientSecret).toBe('local');
  });

  it('names what is missing without echoing any value', async () => {
    const env = { WEBHOOK_PUBLIC_URL: minimal.WEBHOOK_PUBLIC_URL, DATABASE_URL: 'mysql://secret-password@x' };
    const error = await loadWebhookConfig(env, reader({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/HUBSPOT_CLIENT_SECRET/);
    expect(String(error)).toMatch(/DATABASE_URL/);
    expect(String(error)).not.toContain('secret-password');
  });
});
