import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { Env } from './parse-env.js';

/** Reads one secret version by its resource name (projects/P/secrets/S/versions/V). */
export interface SecretReader {
  read(resourceName: string): Promise<string>;
}

const RESOURCE_NAME = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;

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

export interface ResolvedSecrets {
  /** Every named secret's value; undefined when unset, an empty value counting as unset. */
  values: Env;
  /** By secret name: why its NAME_SECRET gave no value (naming NAME_SECRET, never a value). */
  unreadable: Map<string, string>;
}

/**
 * A secret named NAME comes from Secret Manager when NAME_SECRET holds a resource
 * name (production), else from NAME itself (local development).
 */
export async function resolveSecrets(env: Env, names: readonly string[], reader: SecretReader): Promise<ResolvedSecrets> {
  const values: Env = {};
  const unreadable = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      try {
        values[name] = (await resolveSecret(env, name, reader)) || undefined;
      } catch (err) {
        unreadable.set(name, `${name}_SECRET: ${(err as Error).message}`);
      }
    }),
  );
  return { values, unreadable };
}

async function resolveSecret(env: Env, name: string, reader: SecretReader): Promise<string | undefined> {
  const resource = env[`${name}_SECRET`];
  if (!resource) return env[name];
  if (!RESOURCE_NAME.test(resource)) {
    throw new Error(`${name}_SECRET must be a Secret Manager resource name (projects/P/secrets/S/versions/V)`);
  }
  return reader.read(resource);
}
