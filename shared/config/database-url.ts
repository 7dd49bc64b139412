import type { z } from 'zod';
import { ConfigError, envFields, parseEnv, type Env } from './parse-env.js';
import { resolveSecret, type SecretReader } from './secrets.js';

export type DatabaseUrlResult = { ok: true; url: string } | { ok: false; problem: string };

/**
 * DATABASE_URL is a secret (it holds the password): in production DATABASE_URL_SECRET names its
 * Secret Manager version, locally DATABASE_URL holds it. The problem names the variable and never
 * the value.
 */
export async function readDatabaseUrl(env: Env, reader: SecretReader): Promise<DatabaseUrlResult> {
  let url: string | undefined;
  try {
    url = await resolveSecret(env, 'DATABASE_URL', reader);
  } catch (err) {
    return { ok: false, problem: `DATABASE_URL_SECRET: ${(err as Error).message}` };
  }
  if (!url) return { ok: false, problem: 'DATABASE_URL: is required (or DATABASE_URL_SECRET)' };
  if (!envFields.postgresUrl.safeParse(url).success) return { ok: false, problem: 'DATABASE_URL: must be a postgres:// connection URL' };
  return { ok: true, url };
}

/**
 * A worker's settings: the env through `schema`, plus DATABASE_URL resolved as above. Throws one
 * ConfigError naming every bad variable, the database URL's problem included.
 */
export async function parseEnvWithDatabaseUrl<S extends z.ZodType<object>>(
  schema: S,
  env: Env,
  reader: SecretReader,
): Promise<z.output<S> & { DATABASE_URL: string }> {
  const database = await readDatabaseUrl(env, reader);
  let vars: z.output<S> | undefined;
  const problems: string[] = [];
  try {
    vars = parseEnv(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (!database.ok) problems.push(database.problem);
  if (!vars || !database.ok) throw new ConfigError(problems);
  return { ...vars, DATABASE_URL: database.url };
}
