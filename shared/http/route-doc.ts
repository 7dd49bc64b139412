import type { z } from 'zod';
import type { ErrorCode } from '../errors/app-error.js';

/**
 * What the OpenAPI document says about one route, next to the handler that validates with
 * the same schemas, so the document cannot drift from the code.
 */
export interface RouteDoc {
  /** Unique, camelCase: the generated client's method name. */
  operationId: string;
  summary: string;
  description?: string;
  tag: 'health' | 'customers' | 'sync';
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (Idempotency-Key, If-Match). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Success responses by status; `data` is the envelope's `data` (omitted: no body). */
  responses: Partial<Record<200 | 201 | 202 | 204, { description: string; data?: z.ZodType; headers?: readonly string[] }>>;
  /** Error codes the route itself can answer with, beyond those every authenticated route has. */
  errors: readonly ErrorCode[];
}
