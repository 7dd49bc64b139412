import { z } from 'zod';

/** Start-up stops with a message naming every missing or bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return result.data;
}

/** Reusable field shapes for env schemas. */
export const envFields = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  logLevel: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).default('INFO'),
  csv: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1')),
  postgresUrl: z
    .string({ error: 'is required (postgres://user:pass@host:port/db)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL'),
};
