import { expect } from 'vitest';
import { ConfigError } from '../../../shared/config/parse-env.js';
import type { SecretReader } from '../../../shared/config/secrets.js';

export const noSecretManager: SecretReader = { read: () => Promise.reject(new Error('Secret Manager is not used here')) };

/** Secret Manager holding `values` by resource name; `reads` lists what was asked for. */
export function secretManager(values: Record<string, string>): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: async (name) => {
      reads.push(name);
      const value = values[name];
      if (value === undefined) throw new Error(`secret ${name} not found`);
      return value;
    },
  };
}

/** The problems of the ConfigError `load` must reject with. */
export async function problems(load: () => Promise<unknown>): Promise<string[]> {
  const err = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).problems;
}
