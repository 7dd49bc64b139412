import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData, sendError } from '../../shared/http/envelope.js';
import { installFrameworkErrorHandler, type FrameworkErrorHandler } from '../../shared/http/framework-errors.js';
import { logRequest } from '../../shared/http/request-log.js';
import { createLogger, traceIdFromHeader, type LogFields, type Logger } from '../../shared/logging/logger.js';
import { receiveWebhookDelivery, type WebhookIntakeDeps } from '../../shared/webhooks/intake.js';

export interface HubspotWebhookFunction {
  handle: HttpFunction;
  /**
   * For bodies functions-framework fails to parse before `handle` runs (malformed
   * JSON). body-parser saves `req.rawBody` before parsing, so these go through
   * the same intake: signature first (401 when unsigned), then 400 INVALID_JSON.
   */
  handleFrameworkError: FrameworkErrorHandler;
}

/**
 * The HTTP face of the intake: builds (once) or reuses the dependencies, hands
 * the raw request to `receiveWebhookDelivery`, writes its envelope and one
 * request log line. The signature is checked over `req.rawBody`, the bytes the
 * framework saved; the parsed `req.body` is never used.
 */
export function createHubspotWebhook(
  getDeps: () => Promise<WebhookIntakeDeps>,
  fallbackLogger: Logger = createLogger(),
): HubspotWebhookFunction {
  async function serve(req: Request, res: Response): Promise<void> {
    const startedAt = performance.now();
    const fields: LogFields = {};
    let log = fallbackLogger;
    let status: number;
    let failure: unknown;
    try {
      const deps = await getDeps().catch((err: unknown) => {
        fallbackLogger.error('HubSpot webhook intake could not start', { err });
        // HubSpot retries 5xx: a Secret Manager or database hiccup loses nothing.
        throw new AppError('SERVICE_UNAVAILABLE', 'The webhook intake is not ready; retry later');
      });
      log = deps.logger;
      const delivery = { method: req.method, url: req.originalUrl, headers: req.headers, rawBody: req.rawBody };
      const result = await receiveWebhookDelivery(deps, delivery, log.child({ trace: traceIdFromHeader(req.headers['x-cloud-trace-context']) }));
      if (result.ok) {
        sendData(res, 200, result.summary);
        fields.events = result.summary.received;
        status = 200;
      } else {
        fields.code = result.error.code;
        status = sendError(res, result.error);
      }
    } catch (err) {
      failure = err;
      if (err instanceof AppError) fields.code = err.code;
      status = sendError(res, err);
    }
    logRequest(log, req, { status, startedAt, fields, err: failure });
  }

  return {
    handle: (req, res) => {
      // Installed on the framework's Express app at the first request: later requests get envelopes for bad JSON too.
      installFrameworkErrorHandler(req.app, handleFrameworkError);
      return serve(req, res);
    },
    handleFrameworkError,
  };

  async function handleFrameworkError(_err: unknown, req: Request, res: Response): Promise<void> {
    await serve(req, res);
  }
}
