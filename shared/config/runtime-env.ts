import { z } from 'zod';
import { envFields } from './parse-env.js';

/**
 * Env fields every function reads: its database, logging and project. DATABASE_URL is a secret
 * (it holds the password): list it in the loader's secrets. The pool size is each function's own.
 */
export const runtimeEnvFields = {
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
  LOG_LEVEL: envFields.logLevel,
  GOOGLE_CLOUD_PROJECT: z.string().min(1).optional(),
};

type RuntimeEnv = z.output<z.ZodObject<typeof runtimeEnvFields>> & { DATABASE_MAX_CONNECTIONS: number };

/** What a function's pool and logger are built from. */
export interface RuntimeConfig {
  databaseUrl: string;
  database: { maxConnections: number };
  logLevel: RuntimeEnv['LOG_LEVEL'];
  projectId?: string;
}

export function runtimeConfigOf(env: RuntimeEnv): RuntimeConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    database: { maxConnections: env.DATABASE_MAX_CONNECTIONS },
    logLevel: env.LOG_LEVEL,
    projectId: env.GOOGLE_CLOUD_PROJECT,
  };
}
