/**
 * HubSpot's error envelope, built in one place so every endpoint answers with
 * the same shape: `{ status: 'error', message, correlationId, category, ... }`.
 */
import { randomUUID } from 'node:crypto';

export interface ErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

export interface HubSpotErrorExtra {
  errors?: ErrorDetail[];
  context?: Record<string, string[]>;
  subCategory?: string;
  /** Rate-limit answers carry these instead of a category. */
  errorType?: string;
  policyName?: string;
  groupName?: string;
}

export class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly category: string | undefined,
    message: string,
    readonly extra: HubSpotErrorExtra = {},
  ) {
    super(message);
    this.name = 'HubSpotError';
  }

  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { status: 'error', message: this.message, correlationId: randomUUID() };
    if (this.category !== undefined) body.category = this.category;
    for (const [key, value] of Object.entries(this.extra)) if (value !== undefined) body[key] = value;
    return body;
  }
}

export const validationError = (message: string, extra?: HubSpotErrorExtra) => new HubSpotError(400, 'VALIDATION_ERROR', message, extra);

export const notFound = (message = 'resource not found') => new HubSpotError(404, 'OBJECT_NOT_FOUND', message);

export const conflict = (message: string, extra?: HubSpotErrorExtra) => new HubSpotError(409, 'CONFLICT', message, extra);

export const unauthorized = () =>
  new HubSpotError(
    401,
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  );

/** A token of an app without the scope the call needs (a read-scoped private app writing). */
export const missingScopes = (scope: string) =>
  new HubSpotError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    { errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }] },
  );

export type RateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

export const rateLimited = (policy: RateLimitPolicy) =>
  new HubSpotError(429, undefined, `You have reached your ${policy.toLowerCase()} limit.`, {
    errorType: 'RATE_LIMIT',
    policyName: policy,
    groupName: 'api-calls:warp-sandbox',
  });

/**
 * A StandardError entry of a 207 multi-status batch answer (its schema requires
 * every one of these keys).
 */
export function standardError(category: string, message: string, context: Record<string, string[]>) {
  return { status: 'error', category, message, context, errors: [], links: {} };
}
