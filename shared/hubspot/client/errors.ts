/**
 * What a HubSpot call can end in, as typed errors. `retryable` tells the
 * CALLER what to do with the work item: true = try the same work again later
 * (nack the Pub/Sub message; it is redelivered or dead-lettered, never lost);
 * false = the request itself is wrong, retrying cannot help (record it in the
 * sync log and ack). The adapter has already applied its own retry policy
 * before any of these reaches a caller.
 */

/** One entry of HubSpot's `errors[]` (or of a 207 batch answer's `errors[]`). */
export interface HubspotErrorDetail {
  message: string;
  code?: string;
  /** e.g. `inputs[3].properties.warp_status` */
  in?: string;
  context?: Record<string, string[]>;
}

export interface HubspotErrorInfo {
  status?: number;
  category?: string;
  correlationId?: string;
  details?: HubspotErrorDetail[];
}

export abstract class HubspotError extends Error {
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly category: string | undefined;
  readonly correlationId: string | undefined;
  readonly details: HubspotErrorDetail[];

  constructor(message: string, info: HubspotErrorInfo = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = info.status;
    this.category = info.category;
    this.correlationId = info.correlationId;
    this.details = info.details ?? [];
  }
}

/**
 * 400 (or 409: a unique-value clash) for a request HubSpot refused as invalid.
 * `propertyNames` are the properties HubSpot blamed, when it said so.
 */
export class HubspotValidationError extends HubspotError {
  readonly retryable = false;
  readonly propertyNames: string[];

  constructor(message: string, info: HubspotErrorInfo = {}) {
    super(message, info);
    this.propertyNames = propertyNamesOf(info.details ?? [], message);
  }
}

/** 401/403: the token is wrong, revoked or lacks a scope. Nothing works until an operator fixes it. */
export class HubspotAuthError extends HubspotError {
  readonly retryable = true;
}

/** 429 with policy DAILY: the app's daily allowance is spent; every instance is parked until the pause ends. */
export class HubspotDailyLimitError extends HubspotError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly pausedUntil: Date | undefined,
    info: HubspotErrorInfo = {},
  ) {
    super(message, info);
  }
}

/** 5xx, 423, 429 storms, network errors and timeouts that outlived the retry policy. */
export class HubspotUnavailableError extends HubspotError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly attempts: number,
    info: HubspotErrorInfo = {},
    options?: { cause?: unknown },
  ) {
    super(message, info, options);
  }
}

/** The shared budget did not free a slot within `maxBudgetWaitMs` (other instances are using it). */
export class HubspotBudgetTimeoutError extends HubspotError {
  readonly retryable = true;
}

/** 404 where the adapter cannot answer "absent" (single gets return null instead). */
export class HubspotNotFoundError extends HubspotError {
  readonly retryable = false;
}

/** Any other 4xx (405, 413, 414, 415...): a bug in the request, not in the data. */
export class HubspotRequestError extends HubspotError {
  readonly retryable = false;
}

const PROPERTY_IN = /properties\.([A-Za-z0-9_]+)/;
const PROPERTY_IN_MESSAGE = /"name":"([A-Za-z0-9_]+)"/g;

/** HubSpot names the property in `context.propertyName`, in `in`, or only inside the message's JSON. */
function propertyNamesOf(details: HubspotErrorDetail[], message: string): string[] {
  const names = new Set<string>();
  for (const detail of details) {
    for (const name of detail.context?.propertyName ?? []) names.add(name);
    const match = detail.in ? PROPERTY_IN.exec(detail.in) : null;
    if (match?.[1]) names.add(match[1]);
  }
  if (names.size === 0) {
    for (const match of message.matchAll(PROPERTY_IN_MESSAGE)) if (match[1]) names.add(match[1]);
  }
  return [...names];
}
