import type { z } from 'zod';
import { ConfigError, type Env } from './parse-env.js';
import { resolveSecrets, type ResolvedSecrets, type SecretReader } from './secrets.js';

export interface ConfigSpec<S extends z.ZodType> {
  /** Variables holding secrets: each may instead come from the Secret Manager version NAME_SECRET names. */
  secrets: readonly (keyof z.input<S> & string)[];
  /** The env, secrets resolved, to the function's typed camelCase config (env names stay in here). */
  schema: S;
}

export type ConfigLoader<S extends z.ZodType> = (env: Env, reader: SecretReader) => Promise<z.output<S>>;

/**
 * How every function reads its configuration, once at start-up: the secrets first, then the whole
 * env through the schema. Throws one ConfigError naming every missing or bad variable; a secret's
 * value never appears in it.
 */
export function configLoader<S extends z.ZodType>({ secrets, schema }: ConfigSpec<S>): ConfigLoader<S> {
  return async (env, reader) => {
    const resolved = await resolveSecrets(env, secrets, reader);
    const result = schema.safeParse({ ...env, ...resolved.values });
    const problems = [
      ...secrets.flatMap((name) => resolved.unreadable.get(name) ?? []),
      ...(result.error?.issues ?? []).flatMap((issue) => problemOf(issue, resolved)),
    ];
    if (!result.success || problems.length > 0) throw new ConfigError(problems);
    return result.data;
  };
}

/** A secret that could not be read is reported as such, not again as missing or malformed. */
function problemOf(issue: z.core.$ZodIssue, secrets: ResolvedSecrets): string[] {
  const name = String(issue.path[0] ?? '');
  if (secrets.unreadable.has(name)) return [];
  if (name in secrets.values && secrets.values[name] === undefined) return [`${name}: is required (or ${name}_SECRET)`];
  return [issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`];
}
