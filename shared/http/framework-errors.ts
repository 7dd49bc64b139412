import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../errors/app-error.js';

/**
 * functions-framework parses bodies with body-parser BEFORE calling the function,
 * and sends body-parser's failures (malformed JSON, unsupported charset) through
 * Express's default handler: an HTML page, with the stack trace unless
 * NODE_ENV=production. Upstream offers no hook (functions-framework-nodejs #686):
 * the Express app is built inside the framework's getServer() after the function
 * module has loaded, is never exposed, and its body parsers' `verify` is the
 * framework's own. So an error-handling middleware is appended to that app:
 * - hookFrameworkErrors: at module load, before any server exists (deployed; see below);
 * - installFrameworkErrorHandlerOn: on a server we hold (local stack, tests);
 * - installFrameworkErrorHandler(req.app): at the first request that reaches the
 *   function, which is too late for that request if its own body is malformed.
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

/** The framework's internal module whose getServer() both main.js and getTestServer() call. */
interface FrameworkServerModule {
  getServer: (userFunction: unknown, options: unknown) => Server;
}

const hookedHandlers = new WeakMap<object, FrameworkErrorHandler>();
let serverModuleHooked: boolean | undefined;

/**
 * Gives every server functions-framework builds for `handler` (registered with http())
 * the error middleware before it serves anything, so even an instance's first request
 * gets our envelope. main.js loads the function module, then calls
 * `server_1.getServer(userFunction, options)` through the CommonJS exports object of
 * build/src/server.js (a property read at call time), so replacing that export here, at
 * module load, wraps the one call that builds the deployed server. That file is not part
 * of the package's public exports (pinned 5.0.5): test/integration/customer-api/
 * deployed-entry.test.ts runs the real main.js and fails if an upgrade breaks this.
 * Returns false when the hook cannot be placed: then only the per-request fallback applies.
 */
export function hookFrameworkErrors(handler: HttpFunction, onError: FrameworkErrorHandler): boolean {
  hookedHandlers.set(handler, onError);
  serverModuleHooked ??= wrapFrameworkGetServer();
  return serverModuleHooked;
}

function wrapFrameworkGetServer(): boolean {
  let serverModule: Partial<FrameworkServerModule>;
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@google-cloud/functions-framework');
    serverModule = require(path.join(path.dirname(entry), 'server.js')) as Partial<FrameworkServerModule>;
  } catch {
    return false;
  }
  const original = serverModule.getServer;
  if (typeof original !== 'function') return false;
  serverModule.getServer = (userFunction, options) => {
    const server = original(userFunction, options);
    const onError = typeof userFunction === 'function' ? hookedHandlers.get(userFunction) : undefined;
    if (onError) installFrameworkErrorHandlerOn(server, onError);
    return server;
  };
  return true;
}

/** body-parser's and Express's client errors as our stable codes; anything else is internal. */
export function frameworkErrorToAppError(err: unknown): AppError {
  // Express decodes the path for the framework's catch-all route and throws URIError on bad `%` escapes.
  if (err instanceof URIError) return new AppError('INVALID_PATH', 'Request path has malformed percent-encoding');
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
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
      // An untyped 4xx from body-parser is a body it could not read, e.g. a corrupt gzip/deflate/br stream.
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return new AppError('INVALID_JSON', 'Request body could not be read (corrupt content encoding?)');
      }
      return new AppError('INTERNAL', 'Internal server error', undefined, { cause: err });
  }
}

function isExpressApp(value: unknown): value is ExpressLikeApp & object {
  return typeof value === 'function' && typeof (value as { use?: unknown }).use === 'function';
}
