import type { Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../errors/app-error.js';

export interface CorsOptions {
  /** Exact origins (`https://admin.example.com`), or `*` for any. */
  allowedOrigins: readonly string[];
  allowedMethods: readonly string[];
}

const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match, Idempotency-Key';
const EXPOSED_HEADERS = 'ETag';
const PREFLIGHT_MAX_AGE_S = '600';

/**
 * Sets CORS headers for an allowed Origin. Returns true when the request was a
 * preflight and has been answered (204, or 403 for an origin not configured).
 * A non-preflight request from another origin is served without CORS headers,
 * so the browser withholds the response; server-to-server callers send no Origin.
 */
export function applyCors(req: Request, res: Response, options: CorsOptions): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (options.allowedOrigins.includes('*') || options.allowedOrigins.includes(origin));
  res.setHeader('Vary', 'Origin');
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  }
  if (req.method !== 'OPTIONS') return false;
  if (origin !== undefined && !allowed) throw new AppError('FORBIDDEN', 'Origin not allowed');
  res.setHeader('Access-Control-Allow-Methods', options.allowedMethods.join(', '));
  res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_S);
  res.setHeader('Allow', options.allowedMethods.join(', '));
  res.status(204).end();
  return true;
}
