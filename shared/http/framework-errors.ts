import type { IncomingMessage, Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../errors/app-error.js';
import { jsonStructureProblem } from './json-structure.js';

/**
 * functions-framework parses bodies with body-parser BEFORE calling the function,
 * and sends body-parser's failures (malformed JSON, unsupported charset) through
 * Express's default handler: an HTML page, with the stack trace unless
 * NODE_ENV=production. Upstream offers no hook (functions-framework-nodejs #686):
 * the Express app is built inside the framework's getServer() after the function
 * module has loaded, is never exposed, and its body parsers' `verify` is the
 * framework's own. So our hooks are added to that app: a guard first in its stack,
 * ahead of the body parsers, and an error-handling middleware at its end:
 * - hookFrameworkServer: at module load, before any server exists (deployed; see below);
 * - installFrameworkHooksOn: on a server we hold (local stack, tests);
 * - installFrameworkHooks(req.app): at the first request that reaches the
 *   function, which is too late for that request if its own body is malformed.
 */
export type FrameworkErrorHandler = (err: unknown, req: Request, res: Response) => Promise<void>;

export interface FrameworkHooks {
  /** Answers a request the guard refused or the framework failed to parse, before the function ran. */
  onError: FrameworkErrorHandler;
  /** A request declaring a larger body is refused before any of it is read. */
  maxBodyBytes: number;
  /** Runs before a request's body is read (e.g. authentication); a throw is answered by `onError`. */
  beforeBody?: (req: Request) => Promise<void>;
  /**
   * The function reads only `req.rawBody` and parses it itself once a signature holds: the
   * framework's parsers are skipped, so an unsigned body is never parsed.
   */
  rawBodyOnly?: boolean;
}

type Next = (err?: unknown) => void;

interface ExpressLikeApp {
  use(handler: (...args: never[]) => void): unknown;
  router: { stack: unknown[] };
}

const installed = new WeakSet<object>();

/** Adds the guard and `onError` to the framework app once; later calls are no-ops. */
export function installFrameworkHooks(app: unknown, hooks: FrameworkHooks): void {
  if (!isExpressApp(app) || installed.has(app)) return;
  installed.add(app);
  app.use((req: Request, _res: unknown, next: Next) => {
    const refusal = refuseBeforeReading(req, hooks.maxBodyBytes);
    if (refusal || !declaresBody(req)) return next(refusal);
    // Until the body is read it stays in the socket: TCP backpressure holds the rest.
    (async () => {
      await hooks.beforeBody?.(req);
      const body = await readBodyWithin(req, hooks.maxBodyBytes, { putBack: !hooks.rawBodyOnly, check: refuseUnparseable(req) });
      if (hooks.rawBodyOnly) takeRawBody(req, body);
    })().then(() => next(), next);
  });
  // Moved ahead of everything the framework registered, so it runs before body-parser reads a byte.
  app.router.stack.unshift(app.router.stack.pop());
  app.use((err: unknown, req: Request, res: Response, next: Next) => {
    if (res.headersSent) return next(err);
    hooks.onError(err, req, res).catch(next);
  });
}

/**
 * body-parser inflates gzip/deflate/br bodies unauthenticated, bounded only by its 1 GiB
 * limit on the inflated size: a 300 KB gzip bomb becomes 300 MiB in memory. So any
 * Content-Encoding but identity is refused unread, as is a declared length over the limit.
 * A chunked body (no Content-Length) is counted as it arrives: readUnsizedBodyWithin.
 */
function refuseBeforeReading(req: IncomingMessage, maxBodyBytes: number): AppError | undefined {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    return new AppError('UNSUPPORTED_CONTENT_ENCODING', 'Compressed request bodies are not accepted: send Content-Encoding identity', {
      field: 'content-encoding',
    });
  }
  if (Number(req.headers['content-length']) > maxBodyBytes) {
    return new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes`, { limit: maxBodyBytes });
  }
  return undefined;
}

/**
 * Every body is read here, up to `limit` bytes, before any parser sees it: body-parser's own
 * limit is 1 GiB for a chunked body, and its JSON.parse blocks the event loop (json-structure.ts).
 * `check` sees the whole body first. Put back, it goes in with unshift() before 'end' has been
 * emitted, and the framework's parsers read it as if it had never been touched. One byte over
 * and the request is refused at once; the rest is discarded as it arrives (resume), never held,
 * so the connection stays usable and the 413 reaches the client.
 */
function readBodyWithin(
  req: IncomingMessage,
  limit: number,
  options: { putBack: boolean; check: (body: Buffer) => void },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (result: Buffer | AppError) => {
      req.off('readable', onReadable);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      if (result instanceof AppError) reject(result);
      else resolve(result);
    };
    const onGone = () => settle(new AppError('INVALID_JSON', 'Request body could not be read'));
    // An empty body that had ended before this listened: nothing to put back, the parsers skip it.
    const onEnd = () => settle(Buffer.alloc(0));
    function onReadable() {
      for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
        size += chunk.length;
        if (size > limit) {
          settle(new AppError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limit} bytes`, { limit }));
          req.resume();
          return;
        }
        chunks.push(chunk);
      }
      // `complete` is set just before the parser ends the stream: nothing more will come.
      if (!req.complete) return;
      const body = Buffer.concat(chunks, size);
      try {
        options.check(body);
      } catch (err) {
        settle(err as AppError);
        return;
      }
      // Same tick as the last read(): 'end' is not emitted yet, so unshift is still allowed.
      if (options.putBack && size > 0) req.unshift(body);
      settle(body);
    }
    req.on('readable', onReadable);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

/** A JSON body past the structure bounds is refused before anything parses it. */
function refuseUnparseable(req: IncomingMessage): (body: Buffer) => void {
  const json = /json/i.test(req.headers['content-type'] ?? '');
  return (body) => {
    const problem = json ? jsonStructureProblem(body) : null;
    if (problem) {
      const what = problem.limit === 'maxDepth' ? `nests deeper than ${problem.max} levels` : `holds more than ${problem.max} values`;
      throw new AppError('JSON_TOO_COMPLEX', `Request body ${what}`, { limit: problem.limit, max: problem.max });
    }
  };
}

/** As the framework's parsers would leave it, minus the parse: they skip a request marked read. */
function takeRawBody(req: Request, body: Buffer): void {
  req.rawBody = body;
  (req as Request & { _body?: boolean })._body = true;
}

function declaresBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
}

/** Installs on a server from getServer/getTestServer before it takes any request. */
export function installFrameworkHooksOn(server: Server, hooks: FrameworkHooks): void {
  for (const listener of server.listeners('request')) installFrameworkHooks(listener, hooks);
}

/** The framework's internal module whose getServer() both main.js and getTestServer() call. */
interface FrameworkServerModule {
  getServer: (userFunction: unknown, options: unknown) => Server;
}

const hookedHandlers = new WeakMap<object, FrameworkHooks>();
let serverModuleHooked: boolean | undefined;

/**
 * Gives every server functions-framework builds for `handler` (registered with http())
 * our hooks before it serves anything, so even an instance's first request
 * gets our envelope. main.js loads the function module, then calls
 * `server_1.getServer(userFunction, options)` through the CommonJS exports object of
 * build/src/server.js (a property read at call time), so replacing that export here, at
 * module load, wraps the one call that builds the deployed server. That file is not part
 * of the package's public exports (pinned 5.0.5): test/integration/customer-api/
 * deployed-entry.test.ts runs the real main.js and fails if an upgrade breaks this.
 * Returns false when the hook cannot be placed: then only the per-request fallback applies.
 */
export function hookFrameworkServer(handler: HttpFunction, hooks: FrameworkHooks): boolean {
  hookedHandlers.set(handler, hooks);
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
    const hooks = typeof userFunction === 'function' ? hookedHandlers.get(userFunction) : undefined;
    if (hooks) installFrameworkHooksOn(server, hooks);
    return server;
  };
  return true;
}

/** The guard's refusals, body-parser's and Express's client errors as our stable codes; anything else is internal. */
export function frameworkErrorToAppError(err: unknown): AppError {
  if (err instanceof AppError) return err; // refused before the body was read (guard or beforeBody)
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
      // An untyped 4xx from body-parser is a body it could not read, e.g. a corrupt gzip/deflate/br
      // stream, which reaches it only where the guard was installed late (the first-request fallback).
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return new AppError('INVALID_JSON', 'Request body could not be read (corrupt content encoding?)');
      }
      return new AppError('INTERNAL', 'Internal server error', undefined, { cause: err });
  }
}

function isExpressApp(value: unknown): value is ExpressLikeApp & object {
  const app = value as Partial<ExpressLikeApp> | undefined;
  return typeof value === 'function' && typeof app?.use === 'function' && Array.isArray(app.router?.stack);
}
