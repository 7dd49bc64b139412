import { describe, expect, it } from 'vitest';
import { loadCustomerApiConfig } from '../../../shared/config/customer-api-config.js';
import { ConfigError } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

const SECRET = 'a-jwt-secret-that-is-at-least-32-bytes-long';
const noSecrets: SecretReader = { read: async () => { throw new Error('no Secret Manager in this test'); } };
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
      jwt: { keys: { kind: 'secret', secret: SECRET }, issuer: 'warp-api-gateway', audience: undefined },
      corsAllowedOrigins: [],
      logLevel: 'INFO',
      outboxTopic: 'warp-customer-changes',
      port: 8080,
    });
  });

  it('parses CORS origins, JWKS and the audience', async () => {
    const config = await loadCustomerApiConfig(
      { DATABASE_URL: base.DATABASE_URL, JWKS_URL: 'https://auth.example/jwks.json', JWT_AUDIENCE: 'warp', CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example' },
      noSecrets,
    );
    expect(config.jwt).toEqual({ keys: { kind: 'jwks', url: 'https://auth.example/jwks.json' }, issuer: 'warp-api-gateway', audience: 'warp' });
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

  it('names every missing or bad variable', async () => {
    expect(await problems({})).toEqual([
      'DATABASE_URL: is required (or DATABASE_URL_SECRET)',
      'JWT_SECRET / JWKS_URL: one is required (or JWT_SECRET_SECRET)',
    ]);
    expect(await problems({ ...base, JWKS_URL: 'https://x.example/jwks' })).toEqual(['JWT_SECRET / JWKS_URL: set exactly one, not both']);
    expect(await problems({ ...base, DATABASE_URL: 'mysql://x' })).toEqual(['DATABASE_URL: must be a postgres:// connection URL']);
    expect(await problems({ ...base, JWT_SECRET: 'short' })).toEqual(['JWT_SECRET: must be at least 32 bytes']);
    expect(await problems({ ...base, DATABASE_URL_SECRET: 'not-a-resource' })).toEqual([
      'DATABASE_URL_SECRET: DATABASE_URL_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)',
      'DATABASE_URL: is required (or DATABASE_URL_SECRET)',
    ]);
    expect((await problems({ ...base, PORT: 'abc', LOG_LEVEL: 'LOUD' })).map((p) => p.split(':')[0])).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('never puts a secret value in its messages', async () => {
    const all = (await problems({ DATABASE_URL: 'mysql://user:hunter2@x', JWT_SECRET: 'tiny-secret' })).join('\n');
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('tiny-secret');
  });
});
