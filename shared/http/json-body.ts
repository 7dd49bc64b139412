import type { Request } from '@google-cloud/functions-framework';
import { AppError } from '../errors/app-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The JSON body of a request served by functions-framework. The framework has
 * already parsed it (malformed or overly complex JSON never reaches here: see
 * framework-errors.ts). The size check repeats the guard's for the first request
 * of an instance where the guard could only be installed late.
 */
export function readJsonBody(req: Request): unknown {
  if (!req.is('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  }
  const size = req.rawBody?.length ?? 0;
  if (size > MAX_BODY_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${MAX_BODY_BYTES} bytes`, { limit: MAX_BODY_BYTES });
  }
  if (size === 0) throw new AppError('INVALID_JSON', 'Request body is empty');
  return req.body as unknown;
}
