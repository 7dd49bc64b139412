import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../../shared/errors/app-error.js';
import { sendData, sendError } from '../../shared/http/envelope.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/config/webhook-config.js';
import { installFrameworkHooks, type FrameworkHooks } from '../../shared/http/framework-errors.js';
import { logRequest } from '../../shared/http/request-log.js';
import { createLogger, traceIdFromHeader, type LogFields, type Logger } from '../../shared/logging/logger.js';
import { checkSignatureHeaders } from '../../shared/hubspot/webhook-signature.js';
import { receiveWebhookDelivery, rejectedSignature, type WebhookIntakeDeps } from '../../shared/webhooks/intake.js';

export interface HubspotWebhookFunction {
  handle: HttpFunction;
  /**
   * For requests refused before `handle` runs (see shared/http/framework-errors.ts). The
   * signature headers are checked before the body is read (401 unread when absent, malformed
   * or stale); a compressed, oversized or overly complex body is refused unread or unparsed.
   * The framework never parses the body: the intake does, after the signature holds.
   */
  frameworkHooks: FrameworkHooks;
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
  const intakeDeps = () =>
    getDeps().catch((err: unknown) => {
      fallbackLogger.error('HubSpot webhook intake could not start', { err });
      // HubSpot retries 5xx: a Secret Manager or database hiccup loses nothing.
      throw new AppError('SERVICE_UNAVAILABLE', 'The webhook intake is not ready; retry later');
    });

  async function serve(req: Request, res: Response, refused?: AppError): Promise<void> {
    const startedAt = performance.now();
    const fields: LogFields = {};
    let log = fallbackLogger;
    let status: number;
    let failure: unknown;
    try {
      if (refused) throw refused;
      const deps = await intakeDeps();
      log = deps.logger;
      const delivery = { method: req.method, url: req.originalUrl, headers: req.headers, rawBody: req.rawBody };
      const result = await receiveWebhookDelivery(
        deps,
        delivery,
        log.child({ trace: traceIdFromHeader(req.headers['x-cloud-trace-context']) }),
      );
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

  const frameworkHooks: FrameworkHooks = {
    // The configured intake limit may only be lower (webhook-config.ts): this cap applies unread.
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    rawBodyOnly: true,
    beforeBody: async (req) => {
      const deps = await intakeDeps();
      const checked = checkSignatureHeaders({ headers: req.headers, acceptedVersions: deps.acceptedVersions, nowMs: deps.now().getTime() });
      if (!checked.ok) throw rejectedSignature(deps.logger, req.headers, checked.reason, null);
    },
    onError: (err, req, res) => serve(req, res, err instanceof AppError ? err : undefined),
  };

  return {
    handle: (req, res) => {
      // Installed on the framework's Express app at the first request: later requests get envelopes for bad JSON too.
      installFrameworkHooks(req.app, frameworkHooks);
      return serve(req, res);
    },
    frameworkHooks,
  };
}
