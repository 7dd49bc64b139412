/**
 * A per-call middleware for @hubspot/api-client that raises every non-2xx
 * answer as a HubspotHttpFailure carrying the status, raw body and headers.
 * Needed because the generated client loses the status of unparsable bodies
 * (a 502 without content type surfaces as a bare "Cannot parse content"
 * Error), and it must be passed per call: 13.5.0 ignores configured
 * middleware unless call options carry some (`middlewareMergeStrategy: 'append'`
 * keeps the client's own header middleware).
 */
import type { Middleware, PromiseConfigurationOptions, ResponseContext } from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import { HubspotHttpFailure } from './failure.js';

/**
 * The per-call options; `onSuccessHeaders` sees the headers of every 2xx answer (HubSpot's
 * daily limit figures come only there).
 */
export function callOptions(onSuccessHeaders?: (headers: Readonly<Record<string, string>>) => void): PromiseConfigurationOptions {
  const failOnErrorStatus: Middleware = {
    pre: (context) => Promise.resolve(context),
    async post(context: ResponseContext) {
      if (context.httpStatusCode >= 200 && context.httpStatusCode < 300) {
        onSuccessHeaders?.(context.headers);
        return context;
      }
      const text = await context.body.text().catch(() => '');
      throw new HubspotHttpFailure(context.httpStatusCode, parseJson(text), context.headers);
    },
  };
  return { middleware: [failOnErrorStatus], middlewareMergeStrategy: 'append' };
}

export interface DailyUsage {
  limit: number;
  remaining: number;
}

/** HubSpot's daily figures from an answer's headers; absent on OAuth and search answers. */
export function dailyUsageOf(headers: Readonly<Record<string, string>>): DailyUsage | null {
  const limit = Number(headers['x-hubspot-ratelimit-daily']);
  const remaining = Number(headers['x-hubspot-ratelimit-daily-remaining']);
  const valid = (n: number) => Number.isSafeInteger(n) && n >= 0;
  return headers['x-hubspot-ratelimit-daily'] !== undefined && valid(limit) && valid(remaining) ? { limit, remaining } : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
