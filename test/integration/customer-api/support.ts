import { createCustomerApi, type CustomerApiDeps } from '../../../functions/customer-api/app.js';
import type { RequestAuthenticator } from '../../../shared/auth/authenticate-request.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { createMemoryLogger, type LogFields } from '../../../shared/logging/logger.js';
import type { TestDatabase } from '../../support/test-database.js';
import { assertDocumentedResponse } from '../../support/openapi-validator.js';
import { serveHttpFunction } from '../../../dev/local/serve-http-function.js';

export interface RunningApi {
  url: string;
  /** Every structured line the API logged. */
  lines: LogFields[];
  close(): Promise<void>;
}

/**
 * The real handler, registered with functions-framework and served by its real
 * Express stack (getTestServer, which builds it with the same getServer() as the
 * deployed main.js) on an ephemeral loopback port. Framework errors are hooked as
 * index.ts does; `hookFrameworkErrors: false` leaves only the per-request fallback.
 */
export async function startCustomerApi(
  t: TestDatabase,
  deps: Partial<Omit<CustomerApiDeps, 'db' | 'log'>> & { authenticator: RequestAuthenticator },
  options: { hookFrameworkErrors?: boolean } = {},
): Promise<RunningApi> {
  const { logger, lines } = createMemoryLogger('DEBUG');
  const api = createCustomerApi({ corsAllowedOrigins: [], ...deps, db: t.db, log: logger });
  const { url, close } = await serveHttpFunction(api.handle, { hooks: options.hookFrameworkErrors === false ? null : api.frameworkHooks });
  return { url, lines, close };
}

export const ALL_ACCESS_USER = '11111111-1111-4111-8111-111111111111';
export const SCOPED_USER = '22222222-2222-4222-8222-222222222222';

export function principal(userId: string, scope: 'ALL' | 'GRANTED'): Principal {
  return {
    userId,
    email: `${userId.slice(0, 4)}@test.local`,
    userType: scope === 'ALL' ? 'superAdmin' : 'customer_admin',
    permissions: scope === 'ALL' ? ['*'] : ['/api/v1/customers', '/api/v1/customers/*'],
    customerScope: scope === 'ALL' ? { kind: 'ALL' } : { kind: 'GRANTED', userId },
  };
}

/**
 * Bearer tokens are principals' names: `Bearer admin` is an ALL-scope user,
 * `Bearer scoped` a GRANTED one. Records the resource paths it was asked about.
 */
export function fakeAuthenticator(principals: Record<string, Principal> = defaultPrincipals()) {
  const resourcePaths: string[] = [];
  const authenticator: RequestAuthenticator = {
    async authenticate(headers, resourcePath) {
      resourcePaths.push(resourcePath);
      const token = String(headers.authorization ?? '').replace(/^Bearer /, '');
      const found = principals[token];
      if (!found) throw new AppError('UNAUTHORIZED', 'Missing or invalid access token');
      return found;
    },
  };
  return { authenticator, resourcePaths };
}

function defaultPrincipals(): Record<string, Principal> {
  return { admin: principal(ALL_ACCESS_USER, 'ALL'), scoped: principal(SCOPED_USER, 'GRANTED') };
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
  text: string;
}

/** fetch with the JSON envelope parsed; `token` null sends no Authorization. */
export async function call(
  api: RunningApi,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string | Buffer; token?: string | null; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? 'admin' : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(api.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  // The contract check: every response a suite sees is the one the OpenAPI document describes.
  assertDocumentedResponse(method, path, res.status, parsed);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

let counter = 0;
/** A valid CreateCustomerRequest; names are unique per call so searches can target them. */
export function newCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    company_name: `Acme Telecom ${counter}`,
    customer_type: 'POSTPAID',
    contact: { name: 'Ada Lovelace', email: `ada${counter}@acme.example`, phone: '+1 555 0100' },
    address: { line1: '1 Main St', city: 'Denver', state: 'CO', zip: '80202', country: 'US' },
    ...overrides,
  };
}
