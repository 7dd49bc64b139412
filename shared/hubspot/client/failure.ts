/**
 * Turns whatever a HubSpot call threw into what the retry policy should do.
 * Pure: no clock, no I/O, so every status class is unit tested directly.
 */
import {
  HubspotAuthError,
  HubspotNotFoundError,
  HubspotRequestError,
  HubspotValidationError,
  type HubspotError,
  type HubspotErrorDetail,
  type HubspotErrorInfo,
} from './errors.js';

/**
 * A non-2xx answer, raised by the response hook before the generated client
 * parses it: the generated client drops the status of bodies it cannot parse
 * (a 502 without content type becomes a bare "Cannot parse content" Error).
 */
export class HubspotHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {
    super(`HubSpot answered ${status}`);
    this.name = 'HubspotHttpFailure';
  }
}

/** Our own deadline for one HTTP call (the generated client has none). */
export class HubspotCallTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`HubSpot did not answer within ${timeoutMs} ms`);
    this.name = 'HubspotCallTimeout';
  }
}

export type FailureAction =
  /** 429 TEN_SECONDLY_ROLLING (or a 429 that names no policy): pause every instance for a window. */
  | { kind: 'rate-window'; info: HubspotErrorInfo; message: string }
  /** 429 SECONDLY (search): pause search for a second. */
  | { kind: 'rate-secondly'; info: HubspotErrorInfo; message: string }
  /** 429 DAILY: park. */
  | { kind: 'rate-daily'; info: HubspotErrorInfo; message: string }
  /** 423 Locked: wait at least 2 s. */
  | { kind: 'locked'; info: HubspotErrorInfo; message: string }
  /** 5xx, 524, network error, timeout: back off with jitter. */
  | { kind: 'transient'; info: HubspotErrorInfo; message: string }
  /** Not retried: the typed error to throw. 404 is here so single gets can map it to null. */
  | { kind: 'fatal'; error: HubspotError };

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** Returns undefined for errors that are not HubSpot's or the network's (bugs): those propagate untouched. */
export function classifyFailure(err: unknown): FailureAction | undefined {
  if (err instanceof HubspotCallTimeout) return { kind: 'transient', info: {}, message: err.message };
  if (err instanceof HubspotHttpFailure) return classifyHttp(err.status, err.body);
  if (isNetworkError(err)) return { kind: 'transient', info: {}, message: `network error: ${(err as Error).message}` };
  return undefined;
}

export function classifyHttp(status: number, rawBody: unknown): FailureAction {
  const body = asRecord(rawBody);
  const message = typeof body.message === 'string' ? body.message : `HubSpot answered ${status}`;
  const info: HubspotErrorInfo = {
    status,
    category: stringOr(body.category),
    correlationId: stringOr(body.correlationId),
    details: detailsOf(body.errors),
  };
  if (status === 429) {
    const policy = `${stringOr(body.policyName) ?? ''} ${message}`.toUpperCase();
    if (policy.includes('DAILY')) return { kind: 'rate-daily', info, message };
    if (policy.includes('TEN_SECONDLY')) return { kind: 'rate-window', info, message };
    if (policy.includes('SECONDLY')) return { kind: 'rate-secondly', info, message };
    return { kind: 'rate-window', info, message };
  }
  if (status === 423) return { kind: 'locked', info, message };
  if (status >= 500 || status === 408) return { kind: 'transient', info, message };
  if (status === 400 || status === 409) return { kind: 'fatal', error: new HubspotValidationError(message, info) };
  if (status === 401 || status === 403) return { kind: 'fatal', error: new HubspotAuthError(message, info) };
  if (status === 404) return { kind: 'fatal', error: new HubspotNotFoundError(message, info) };
  return { kind: 'fatal', error: new HubspotRequestError(message, info) };
}

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'FetchError' || err.name === 'AbortError') return true;
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

function detailsOf(raw: unknown): HubspotErrorDetail[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((entry) => {
    const e = asRecord(entry);
    const detail: HubspotErrorDetail = { message: stringOr(e.message) ?? '' };
    const code = stringOr(e.code);
    const where = stringOr(e.in);
    if (code) detail.code = code;
    if (where) detail.in = where;
    if (e.context && typeof e.context === 'object') detail.context = e.context as Record<string, string[]>;
    return detail;
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    try {
      return asRecord(JSON.parse(value));
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
