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

const failOnErrorStatus: Middleware = {
  pre: (context) => Promise.resolve(context),
  async post(context: ResponseContext) {
    if (context.httpStatusCode >= 200 && context.httpStatusCode < 300) return context;
    const text = await context.body.text().catch(() => '');
    throw new HubspotHttpFailure(context.httpStatusCode, parseJson(text), context.headers);
  },
};

export const CALL_OPTIONS: PromiseConfigurationOptions = { middleware: [failOnErrorStatus], middlewareMergeStrategy: 'append' };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
