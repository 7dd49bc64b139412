import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CODES, errorStatus, type ErrorCode } from '../../errors/app-error.js';
import type { RouteDoc } from '../route-doc.js';
import { ERROR_EXAMPLES } from './error-examples.js';

/**
 * The framework reads a body on any method before the route runs, so every route can
 * refuse one; and anything unexpected is a 500.
 */
const ANY_REQUEST: readonly ErrorCode[] = [
  'INVALID_JSON',
  'JSON_TOO_COMPLEX',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNSUPPORTED_CONTENT_ENCODING',
  'INTERNAL',
];
/** Token verification and Gatekeeper; SERVICE_UNAVAILABLE when the JWKS or the database is unreachable. */
const AUTHENTICATED: readonly ErrorCode[] = ['UNAUTHORIZED', 'FORBIDDEN', 'SERVICE_UNAVAILABLE'];

/** `{ success: false, error }` restricted to `codes`. */
export function errorEnvelopeSchema(codes: readonly ErrorCode[]) {
  return z.object({
    success: z.literal(false),
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string().meta({ description: 'Safe to show to the user' }),
      details: z.record(z.string(), z.unknown()).optional().meta({ description: 'Names the offending fields or values' }),
    }),
  });
}

/** Every error code a route can answer with, in status order. */
export function errorCodesOf(doc: RouteDoc, isPublic: boolean): ErrorCode[] {
  const codes = new Set<ErrorCode>([...ANY_REQUEST, ...(isPublic ? [] : AUTHENTICATED), ...doc.errors]);
  if (doc.params || doc.query || doc.headers || doc.body) codes.add('VALIDATION_FAILED');
  // Express decodes the path before routing: a bad `%` escape in a parameter segment is refused.
  if (doc.params) codes.add('INVALID_PATH');
  return ERROR_CODES.filter((code) => codes.has(code)).sort((a, b) => errorStatus(a) - errorStatus(b));
}

/** One response per status, its codes enumerated and each shown by an example body. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(errorStatus(code), [...(byStatus.get(errorStatus(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => [
      String(status),
      {
        description: group.join(', '),
        content: {
          'application/json': {
            schema: errorEnvelopeSchema(group),
            examples: Object.fromEntries(
              group.map((code) => [code, { value: { success: false, error: { code, ...ERROR_EXAMPLES[code] } } }]),
            ),
          },
        },
      },
    ]),
  );
}
