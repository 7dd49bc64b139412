import type { z } from 'zod';
import type { ErrorCode } from '../errors/app-error.js';

export type SuccessStatus = 200 | 201 | 202 | 204;

export interface ResponseDoc {
  description: string;
  /** The envelope's `data` (omitted: no body). */
  data?: z.ZodType;
  /** An example of `data`; the document shows it inside the envelope. */
  example?: unknown;
  /** Response headers the route always sends (ETag). */
  headers?: readonly string[];
  /** `data` is the whole body, not wrapped in the envelope (the OpenAPI document itself). */
  envelope?: false;
}

/**
 * What the OpenAPI document says about one route, next to the handler that validates with
 * the same schemas, so the document cannot drift from the code.
 */
export interface RouteDoc {
  /** Unique, camelCase: the generated client's method name. */
  operationId: string;
  summary: string;
  description?: string;
  tag: 'health' | 'customers' | 'sync' | 'documentation';
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (Idempotency-Key, If-Match). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  /** Success responses by status. */
  responses: Partial<Record<SuccessStatus, ResponseDoc>>;
  /** Error codes the route itself can answer with, beyond those every authenticated route has. */
  errors: readonly ErrorCode[];
}
