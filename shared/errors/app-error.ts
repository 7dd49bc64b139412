/**
 * The one error type the HTTP layer maps to a response. Codes are stable,
 * upper snake case (the admin portal and HubSpot tooling key on them); the
 * message is safe to show; `details` names offending fields. Anything that
 * is not an AppError becomes a 500 that says nothing internal (a 503 when the
 * database cannot be reached).
 */
import { isDatabaseUnavailable } from '../db/unavailable.js';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_MAPPING'
  | 'INVALID_JSON'
  | 'JSON_TOO_COMPLEX'
  | 'INVALID_PATH'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_CONTENT_ENCODING'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'RUN_IN_PROGRESS'
  | 'COMPANY_ALREADY_LINKED'
  | 'FIELD_OWNED_BY_HUBSPOT'
  | 'PRECONDITION_FAILED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_MAPPING: 400,
  INVALID_JSON: 400,
  JSON_TOO_COMPLEX: 400,
  INVALID_PATH: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_CONTENT_ENCODING: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RUN_IN_PROGRESS: 409,
  COMPANY_ALREADY_LINKED: 409,
  FIELD_OWNED_BY_HUBSPOT: 409,
  PRECONDITION_FAILED: 412,
  IDEMPOTENCY_KEY_REUSED: 422,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const ERROR_CODES = Object.keys(STATUS) as readonly ErrorCode[];

export function errorStatus(code: ErrorCode): number {
  return STATUS[code];
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** Maps any thrown value to a status and envelope; internal errors never leak their text. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details) error.details = err.details;
    return { status: err.status, body: { success: false, error } };
  }
  if (isDatabaseUnavailable(err)) {
    return {
      status: 503,
      body: { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is not reachable; try again shortly' } },
    };
  }
  return { status: 500, body: { success: false, error: { code: 'INTERNAL', message: 'Internal server error' } } };
}
