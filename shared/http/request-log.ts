import type { Request } from '@google-cloud/functions-framework';
import { traceIdFromHeader, type LogFields, type Logger } from '../logging/logger.js';

export interface RequestOutcome {
  status: number;
  startedAt: number;
  /** Extra fields (user id, error code); never headers. */
  fields?: LogFields;
  err?: unknown;
}

/**
 * The one structured line per request: method, path (no query string: it can
 * carry search terms), status, latency, and the Cloud Trace id. Headers are
 * never logged, so the Authorization token cannot leak.
 */
export function logRequest(log: Logger, req: Request, outcome: RequestOutcome): void {
  const fields: LogFields = {
    httpRequest: { requestMethod: req.method, requestUrl: req.path, status: outcome.status },
    method: req.method,
    path: req.path,
    status: outcome.status,
    latencyMs: Math.round((performance.now() - outcome.startedAt) * 10) / 10,
    trace: traceIdFromHeader(req.headers['x-cloud-trace-context']),
    ...outcome.fields,
  };
  const message = `${req.method} ${req.path} ${outcome.status}`;
  if (outcome.status >= 500) log.error(message, { ...fields, err: outcome.err });
  else if (outcome.status >= 400) log.warn(message, fields);
  else log.info(message, fields);
}
