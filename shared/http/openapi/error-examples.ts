import type { ErrorCode } from '../../errors/app-error.js';
import { MAX_BODY_BYTES } from '../json-body.js';

export interface ErrorExample {
  message: string;
  details?: Record<string, unknown>;
}

/** One typical `error` per code, as the API sends it; every code needs one, so none goes undocumented. */
export const ERROR_EXAMPLES: Record<ErrorCode, ErrorExample> = {
  VALIDATION_FAILED: {
    message: 'Invalid customer',
    details: {
      issues: [
        { path: 'contact.email', message: 'Invalid email address' },
        { path: 'ban', message: 'read-only field' },
      ],
    },
  },
  INVALID_MAPPING: {
    message: 'mapping of credit_limit refused: transform TRIM does not fit a money field',
    details: { warpField: 'credit_limit', problems: ['transform TRIM does not fit a money field'] },
  },
  INVALID_JSON: { message: 'Request body is not valid JSON (a JSON object is expected)' },
  JSON_TOO_COMPLEX: { message: 'Request body nests deeper than 64 levels', details: { limit: 'maxDepth', max: 64 } },
  INVALID_PATH: { message: 'Request path has malformed percent-encoding' },
  PAYLOAD_TOO_LARGE: { message: `Request body exceeds ${MAX_BODY_BYTES} bytes`, details: { limit: MAX_BODY_BYTES } },
  UNSUPPORTED_MEDIA_TYPE: { message: 'Content-Type must be application/json' },
  UNSUPPORTED_CONTENT_ENCODING: {
    message: 'Compressed request bodies are not accepted: send Content-Encoding identity',
    details: { field: 'content-encoding' },
  },
  UNAUTHORIZED: { message: 'Authentication required' },
  FORBIDDEN: { message: 'You do not have access to this resource' },
  NOT_FOUND: { message: 'Customer not found' },
  METHOD_NOT_ALLOWED: { message: 'DELETE is not allowed on this path', details: { allow: ['GET', 'PUT'] } },
  CONFLICT: { message: 'Could not allocate a unique BAN; retry the request' },
  RUN_IN_PROGRESS: {
    message: 'A reconciliation run is already in progress',
    details: { runId: '5b0f7c1e-2d4a-4c3b-9e8f-1a2b3c4d5e6f' },
  },
  COMPANY_ALREADY_LINKED: {
    message: 'HubSpot company 18234 is linked to another customer',
    details: { companyId: '18234', linkedCustomerId: '00000000-0000-4000-8000-00000000c002' },
  },
  FIELD_OWNED_BY_HUBSPOT: {
    message: 'These fields are owned by HubSpot and cannot be changed here',
    details: { fields: ['credit_limit'] },
  },
  PRECONDITION_FAILED: {
    message: 'The customer was changed since it was read (If-Match does not match)',
    details: { etag: '"4-3f2b9c1e-8d7a-4b6c-9e5f-0a1b2c3d4e5f"' },
  },
  IDEMPOTENCY_KEY_REUSED: { message: 'This Idempotency-Key was already used with a different request body' },
  SERVICE_UNAVAILABLE: { message: 'Database is not reachable' },
  INTERNAL: { message: 'Internal server error' },
};
