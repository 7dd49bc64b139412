import { z } from 'zod';

/** Start-up stops with a message naming every missing or bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Reusable field shapes for env schemas. */
export const envFields = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  /** Pool size of an HTTP function: one connection per concurrent request. */
  poolSize: (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback),
  logLevel: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).default('INFO'),
  csv: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    ),
  boolean: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1')),
  /** A topic id, not its projects/P/topics/T path: the clients add the project. */
  topic: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z][-\w.~+%]{2,254}$/, 'must be a Pub/Sub topic id')
      .default(fallback),
};
