import type { z } from 'zod';
import { AppError } from '../errors/app-error.js';

export interface FieldIssue {
  path: string;
  message: string;
}

/** Fields a client may see but never write; named as such when a request carries them. */
const READ_ONLY = new Set([
  'id',
  'ban',
  'current_balance',
  'prepaid_balance',
  'version',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
  'hubspot_link_status',
]);

/** Flattens zod issues to one entry per offending field (each unknown key separately). */
export function fieldIssues(error: z.ZodError, root = ''): FieldIssue[] {
  const join = (parts: readonly PropertyKey[]) => [root, ...parts.map(String)].filter(Boolean).join('.') || '(body)';
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: join([...issue.path, key]),
        message: issue.path.length === 0 && READ_ONLY.has(key) ? 'read-only field' : 'unknown field',
      }));
    }
    return [{ path: join(issue.path), message: issue.message }];
  });
}

/** Parses with `schema` or throws 400 VALIDATION_FAILED naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('VALIDATION_FAILED', `Invalid ${what}`, { issues: fieldIssues(result.error, root) });
}
