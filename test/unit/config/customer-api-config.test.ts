import { describe, expect, it } from 'vitest';
import { LOCAL_DEV_JWT_SECRET } from '../../../shared/auth/dev-secret.js';
import { loadCustomerApiConfig } from '../../../shared/config/customer-api-config.js';
import { ConfigError } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

const SECRET = 'a-jwt-secret-that-is-at-least-32-bytes-long';
const noSecrets: SecretReader = {
  read: async () => {
    throw new Error('no Secret Manager in this test');
  },
};
const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/warp', JWT_SECRET: SECRET };

async function problems(env: Record<string, string | undefined>, reader = noSecrets): Promise<string[]> {
  try {
    await loadCustomerApiConfig(env, reader);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('loadCustomerApiConfig', () => {
  it('applies defaults', async () => {
    const config = await loadCustomerApiConfig(base, noSecrets);
    expect(config).toMatchObject({
      databaseUrl: base.DATABASE_URL,
      jwt: { keys: { kind: 'secret', secret: SECRET }, issuer: 'warp-api-gateway', audience: undefined, maxTokenAgeSeconds: 86400 },
      corsAllowedOrigins: [],
      logLevel: 'INFO',
      outboxTopic: 'warp-customer-changes',
      reconcileTopic: 'hubspot-reconcile-requests',
      database: { maxConnections: 10 },
      hubspot: undefined,
      port: 8080,
      warnings: [],
    });
  });

  it('gives linking by hand read-only HubSpot access when HUBSPOT_READ_TOKEN is set', async () => {
    const config = await loadCustomerApiConfig({ ...base, HUBSPOT_READ_TOKEN: 'pat-read', HUBSPOT_APP_ID: '1234567' }, noSecrets);
    expect(config.hubspot).toMatchObject({ accessToken: 'pat-read', appId: '1234567', client: { budget: { key: 'default' } } });
  });

  it('parses CORS origins, JWKS and the audience', async () => {
    const config = await loadCustomerApiConfig(
      {
        DATABASE_URL: base.DATABASE_URL,
        JWKS_URL: 'https://auth.example/jwks.json',
        JWT_AUDIENCE: 'warp',
        CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      },
      noSecrets,
    );
    expect(config.jwt).toEqual({
      keys: { kind: 'jwks', url: 'https://auth.example/jwks.json' },
      issuer: 'warp-api-gateway',
      audience: 'warp',
      maxTokenAgeSeconds: 86400,
    });
    expect(config.corsAllowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads secrets from Secret Manager when NAME_SECRET is set', async () => {
    const reader: SecretReader = { read: async (name) => (name.endsWith('/db/versions/1') ? base.DATABASE_URL : SECRET) };
    const config = await loadCustomerApiConfig(
      { DATABASE_URL_SECRET: 'projects/p/secrets/db/versions/1', JWT_SECRET_SECRET: 'projects/p/secrets/jwt/versions/latest' },
      reader,
    );
    expect(config.databaseUrl).toBe(base.DATABASE_URL);
    expect(config.jwt.keys).toEqual({ kind: 'secret', secret: SECRET });
  });

  it('refuses the public local dev secret on a deployed function, and only there', async () => {
    const dev = { ...base, JWT_SECRET: LOCAL_DEV_JWT_SECRET };
    expect(await problems({ ...dev, K_SERVICE: 'customer-api' })).toEqual([
      'JWT_SECRET: is the public local development secret; set the real one',
    ]);
    expect(await problems({ ...dev, NODE_ENV: 'production' })).toHaveLength(1);
    expect(await problems(dev)).toEqual([]);
  });

  it('names every missing or bad variable', async () => {
    expect(await problems({})).toEqual([
      'DATABASE_URL: is required (or DATABASE_URL_SECRET)',
      'JWT_SECRET / JWKS_URL: one is required (or JWT_SECRET_SECRET)',
    ]);
    expect(await problems({ ...base, JWKS_URL: 'https://x.example/jwks' })).toEqual(['JWT_SECRET / JWKS_URL: set exactly one, not both']);
    expect(await problems({ ...base, DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL: must be a postgres:// connection URL']);
    expect(await problems({ ...base, JWT_SECRET: '' })).toEqual(['JWT_SECRET / JWKS_URL: one is required (or JWT_SECRET_SECRET)']);
    for (const bad of ['0', '-5', '1.5', 'a day', String(86400 * 1000)]) {
      expect((await problems({ ...base, JWT_MAX_TOKEN_AGE_SECONDS: bad })).map((p) => p.split(':')[0])).toEqual([
        'JWT_MAX_TOKEN_AGE_SECONDS',
      ]);
    }
    expect(await problems({ ...base, DATABASE_URL_SECRET: 'not-a-resource' })).toEqual([
      'DATABASE_URL_SECRET: DATABASE_URL_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)',
    ]);
    expect((await problems({ ...base, PORT: 'abc', LOG_LEVEL: 'LOUD' })).map((p) => p.split(':')[0])).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('accepts a JWT_SECRET shorter than 32 bytes (WARP owns it) with a start-up warning that does not contain it', async () => {
    const short = 'warp-16-byte-key';
    const config = await loadCustomerApiConfig({ ...base, JWT_SECRET: short }, noSecrets);
    expect(config.jwt.keys).toEqual({ kind: 'secret', secret: short });
    expect(config.warnings).toEqual(['JWT_SECRET is shorter than 32 bytes; RFC 7518 requires at least the hash size, rotate it']);
    expect(config.warnings.join('\n')).not.toContain(short);
    expect((await loadCustomerApiConfig({ ...base, JWT_SECRET: 'x'.repeat(32) }, noSecrets)).warnings).toEqual([]);
  });

  it('reads the maximum token age in seconds (WARP sets its lifetime in hours)', async () => {
    const config = await loadCustomerApiConfig({ ...base, JWT_MAX_TOKEN_AGE_SECONDS: String(72 * 3600) }, noSecrets);
    expect(config.jwt.maxTokenAgeSeconds).toBe(259200);
  });

  it('never puts a secret value in its messages', async () => {
    const all = (
      await problems({ DATABASE_URL: 'mysql://user:hunter2@x', JWT_SECRET: 'tiny-secret', JWKS_URL: 'https://x.example/jwks' })
    ).join('\n');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('tiny-secret');
  });
});
