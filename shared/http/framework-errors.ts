import type { Server } from 'node:http';
import type { Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../errors/app-error.js';

/**
 * functions-framework parses bodies with body-parser BEFORE calling the function,
 * and sends body-parser's failures (malformed JSON, unsupported charset) through
 * Express's default handler: an HTML page, with the stack trace unless
 * NODE_ENV=production. Upstream offers no hook (functions-framework-nodejs #686),
 * so an error-handling middleware is appended to the framework's Express app,
 * which the handler reaches as `req.app` (or the server's request listener).
 */
export type FrameworkErrorHandler = (err: unknown, req: Request, res: Response) => Promise<void>;

interface ExpressLikeApp {
  use(handler: (err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => void): unknown;
}

const installed = new WeakSet<object>();

/** Appends `onError` to the framework app once; later calls are no-ops. */
export function installFrameworkErrorHandler(app: unknown, onError: FrameworkErrorHandler): void {
  if (!isExpressApp(app) || installed.has(app)) return;
  installed.add(app);
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    onError(err, req, res).catch(next);
  });
}

/** Installs on a server from getServer/getTestServer before it takes any request. */
export function installFrameworkErrorHandlerOn(server: Server, onError: FrameworkErrorHandler): void {
  for (const listener of server.listeners('request')) installFrameworkErrorHandler(listener, onError);
}

/** body-parser's error types as our stable codes; anything else is internal. */
export function frameworkErrorToAppError(err: unknown): AppError {
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON', 'Request body is not valid JSON (a JSON object is expected)');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported request charset or encoding');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('INVALID_JSON', 'Request body could not be read');
    default:
      return new AppError('INTERNAL', 'Internal server error', undefined, { cause: err });
  }
}

function isExpressApp(value: unknown): value is ExpressLikeApp & object {
  return typeof value === 'function' && typeof (value as { use?: unknown }).use === 'function';
}
