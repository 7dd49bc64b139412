import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors/app-error.js';
import type { RouteHandler } from './routes.js';

const PREFIX = '/console';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Nothing but this origin's files and API; no inline script or style, never framed. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Plain names only: no dot files, no `..`, no encoded separators. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function isConsolePath(requestPath: string): boolean {
  return requestPath === PREFIX || requestPath.startsWith(`${PREFIX}/`);
}

/** dist/console under the package root, found from this module both as source (tsx) and compiled (dist/). */
export function builtConsoleDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the customer API');
    dir = parent;
  }
  return path.join(dir, 'dist', 'console');
}

const notFound = () => new AppError('NOT_FOUND', 'No such console file');

/** The file a request path names inside `dir`, or a 404 for anything that is not a plain file name. */
function fileOf(dir: string, requestPath: string): string {
  const rest = requestPath.slice(PREFIX.length + 1);
  const segments = (rest === '' ? 'index.html' : rest).split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw notFound();
    }
  });
  if (!segments.every((s) => SEGMENT.test(s))) throw notFound();
  const file = path.resolve(dir, ...segments);
  const relative = path.relative(dir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw notFound();
  return file;
}

/**
 * The operator console's static files, without credentials (the console's API calls carry
 * the token). Read per request, so a build after the API started is served at once.
 */
export function consoleFilesHandler(dir: string): RouteHandler {
  return {
    public: true,
    async run({ req, res }) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on the console`, { allow: ['GET', 'HEAD'] });
      }
      if (req.path === PREFIX) {
        // Relative, so it holds behind a gateway that mounts the function under a prefix.
        res.status(301).setHeader('Location', 'console/');
        res.end();
        return;
      }
      if (!existsSync(path.join(dir, 'index.html'))) {
        throw new AppError('SERVICE_UNAVAILABLE', 'The operator console is not built: run `npm run build`');
      }
      const file = fileOf(dir, req.path);
      const type = CONTENT_TYPES[path.extname(file)];
      if (!type) throw notFound();
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch (err) {
        if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) throw notFound();
        throw err;
      }
      res.status(200);
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', String(body.length));
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}
