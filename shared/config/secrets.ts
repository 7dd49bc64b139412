import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { ConfigError } from './parse-env.js';

/** Reads one secret version by its resource name (projects/P/secrets/S/versions/V). */
export interface SecretReader {
  read(resourceName: string): Promise<string>;
}

const RESOURCE_NAME = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;

export function isSecretResourceName(value: string): boolean {
  return RESOURCE_NAME.test(value);
}

/** Secret Manager, with the client created lazily once per instance. */
export function secretManagerReader(): SecretReader {
  let client: SecretManagerServiceClient | undefined;
  return {
    async read(resourceName) {
      client ??= new SecretManagerServiceClient();
      const [version] = await client.accessSecretVersion({ name: resourceName });
      const data = version.payload?.data;
      if (data == null) throw new Error(`Secret ${resourceName} has no payload`);
      return (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).trim();
    },
  };
}

/**
 * A secret named NAME comes from Secret Manager when NAME_SECRET holds a resource
 * name (production), else from NAME itself (local development).
 */
export async function resolveSecret(
  env: Record<string, string | undefined>,
  name: string,
  reader: SecretReader,
): Promise<string | undefined> {
  const resource = env[`${name}_SECRET`];
  if (resource) {
    if (!isSecretResourceName(resource)) {
      throw new Error(`${name}_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)`);
    }
    return reader.read(resource);
  }
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** resolveSecret for a secret the function cannot start without: a ConfigError names it. */
export async function requireSecret(env: Record<string, string | undefined>, name: string, reader: SecretReader): Promise<string> {
  const value = await resolveSecret(env, name, reader);
  if (value === undefined) throw new ConfigError([`${name}: required (or ${name}_SECRET naming a Secret Manager version)`]);
  return value;
}
