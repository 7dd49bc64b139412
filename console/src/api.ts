import type { operations } from './api-types.js';
import { session } from './session.js';

type Op = keyof operations;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type ResponseOf<O extends Op, S extends number> = S extends keyof operations[O]['responses'] ? operations[O]['responses'][S] : never;
/** The envelope's `data` of an operation's success response, as the OpenAPI document describes it. */
export type Data<O extends Op, S extends number = 200> = JsonOf<ResponseOf<O, S>> extends { data: infer D } ? D : never;
export type Body<O extends Op> = operations[O] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What the API named about the refusal, e.g. the customer holding a company already. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The token is missing, refused, or lacks the permission: the console asks to sign in. */
  get needsSignIn(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The API beside the console: /console/ -> /v1/, under whatever prefix serves both. */
const base = new URL('../v1/', location.href);

type Query = Record<string, string | number | undefined>;

async function call<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const url = new URL(path, base);
  for (const [name, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  const token = session.token();
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Sign in with an access token');
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const envelope = (await res.json().catch(() => undefined)) as
    { data?: T; error?: { code: string; message: string; details?: Record<string, unknown> } } | undefined;
  if (!res.ok || !envelope || envelope.error) {
    throw new ApiError(
      res.status,
      envelope?.error?.code ?? 'HTTP_ERROR',
      envelope?.error?.message ?? `The API answered ${res.status}`,
      envelope?.error?.details,
    );
  }
  return envelope.data as T;
}

const id = encodeURIComponent;

/** One function per operation the console uses, typed from the OpenAPI document. */
export const api = {
  status: () => call<Data<'getSyncStatus'>>('GET', 'sync/status'),
  activity: (hours: number) => call<Data<'getSyncActivity'>>('GET', 'sync/activity', { query: { hours } }),
  customers: (search: string) => call<Data<'listCustomers'>>('GET', 'customers', { query: { search, per_page: 20 } }),
  customerSync: (customerId: string) => call<Data<'getCustomerSync'>>('GET', `customers/${id(customerId)}/sync`),
  resync: (customerId: string) =>
    call<Data<'resyncCustomer', 202>>('POST', `customers/${id(customerId)}/sync`, { headers: { 'Idempotency-Key': crypto.randomUUID() } }),
  companyCandidates: (customerId: string, q: string) =>
    call<Data<'searchCustomerCompanyCandidates'>>('GET', `customers/${id(customerId)}/sync/candidates`, { query: { q, limit: 20 } }),
  link: (customerId: string, body: Body<'linkCustomerCompany'>) =>
    call<Data<'linkCustomerCompany'>>('POST', `customers/${id(customerId)}/sync/link`, { body }),
  unlink: (customerId: string) => call<Data<'unlinkCustomerCompany', 202>>('DELETE', `customers/${id(customerId)}/sync/link`),
  conflicts: () => call<Data<'listSyncConflicts'>>('GET', 'sync/conflicts', { query: { limit: 200 } }),
  resolveConflict: (body: Body<'resolveSyncConflict'>) => call<Data<'resolveSyncConflict'>>('POST', 'sync/conflicts/resolve', { body }),
  reconciliations: () => call<Data<'listReconciliations'>>('GET', 'sync/reconciliations', { query: { limit: 10 } }),
  reconciliation: (runId: string) => call<Data<'getReconciliation'>>('GET', `sync/reconciliations/${id(runId)}`),
  startReconciliation: (body: Body<'startReconciliation'>) =>
    call<Data<'startReconciliation', 202>>('POST', 'sync/reconciliations', { body }),
  diff: (runId: string, decision: string | undefined) =>
    call<Data<'getReconciliationDiff'>>('GET', `sync/reconciliations/${id(runId)}/diff`, { query: { decision, limit: 500 } }),
  failures: () => call<Data<'listSyncFailures'>>('GET', 'sync/failures', { query: { limit: 200 } }),
  retryFailures: (body: Body<'retrySyncFailures'>) => call<Data<'retrySyncFailures'>>('POST', 'sync/failures/retry', { body }),
};
