import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { AppError } from '../../shared/errors/app-error.js';
import type { Db } from '../../shared/db/database.js';
import type { Logger, LogFields } from '../../shared/logging/logger.js';
import { applyCors } from '../../shared/http/cors.js';
import { sendError } from '../../shared/http/envelope.js';
import { frameworkErrorToAppError, installFrameworkHooks, type FrameworkHooks } from '../../shared/http/framework-errors.js';
import { MAX_BODY_BYTES } from '../../shared/http/json-body.js';
import { logRequest } from '../../shared/http/request-log.js';
import { createRouter } from '../../shared/http/router.js';
import type { RequestAuthenticator } from '../../shared/auth/authenticate-request.js';
import type { Principal } from '../../shared/auth/principal.js';
import type { OnOutboxCommitted } from '../../shared/outbox/outbox-writes.js';
import { createCustomerService } from '../../shared/customers/service.js';
import { customerRoutes, type RouteContext } from './routes.js';
import { syncRoutes, type SyncOperationsDeps } from './sync-routes.js';
import { reconciliationRoutes, type ReconciliationRouteDeps } from './reconciliation-routes.js';
import { matchRoutes } from './match-routes.js';
import { linkRoutes, type LinkRouteDeps } from './link-routes.js';
import { withOpenApiRoute } from './openapi.js';
import { builtConsoleDir, consoleFilesHandler, isConsolePath } from './console-files.js';
import type { CustomerService } from '../../shared/customers/service.js';

export interface CustomerApiDeps {
  db: Db;
  /** Token verification + Gatekeeper (shared/auth); tests may pass a fake. */
  authenticator: RequestAuthenticator;
  log: Logger;
  corsAllowedOrigins: readonly string[];
  onOutboxCommitted?: OnOutboxCommitted;
  generateBan?: () => string;
  /** Publishers, Cloud Scheduler and budget the sync operations endpoints use; all optional. */
  sync?: SyncOperationsDeps;
  /** The reconcile topic's publisher and the Pub/Sub client for dead-letter replay; both optional. */
  reconciliation?: Omit<ReconciliationRouteDeps, 'db' | 'log'>;
  /** Read-only HubSpot access for linking customers by hand; absent, those endpoints answer 503. */
  linking?: Pick<LinkRouteDeps, 'hubspot'>;
  /** The built operator console served under /console/; defaults to dist/console. */
  consoleDir?: string;
}

export interface CustomerApi {
  handle: HttpFunction;
  /**
   * For requests refused or failed by the framework before `handle` (see shared/http/framework-errors.ts).
   * Install them before any request: hookFrameworkServer(handle, ...) where the framework builds the
   * server (index.ts), installFrameworkHooksOn(server) where the server is ours. Failing
   * both, `handle` installs them on the framework's app at the first request that reaches it.
   */
  frameworkHooks: Required<FrameworkHooks>;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
/** The contract's paths start with /v1; the same routes also answer at the root of the function URL. */
const VERSION_PREFIX = /^\/v1(?=\/|$)/;
/** Gatekeeper permissions are written against the API gateway's paths. */
const GATEKEEPER_PREFIX = '/api/v1';

/** Every route of the function, `GET /openapi.json` included, and the document describing them. */
export function customerApiRoutes(
  service: CustomerService,
  deps: Pick<CustomerApiDeps, 'db' | 'log' | 'sync' | 'reconciliation' | 'linking'>,
) {
  return withOpenApiRoute([
    ...customerRoutes(service),
    ...syncRoutes({ db: deps.db, log: deps.log, ...deps.sync }),
    ...reconciliationRoutes({ db: deps.db, log: deps.log, ...deps.reconciliation }),
    ...matchRoutes({ db: deps.db, log: deps.log, ...deps.reconciliation }),
    ...linkRoutes({ db: deps.db, publishing: deps.sync?.outboxPublishing, ...deps.linking }),
  ]);
}

/** The customer API as a functions-framework HTTP handler over injected dependencies. */
export function createCustomerApi(deps: CustomerApiDeps): CustomerApi {
  const service = createCustomerService({
    db: deps.db,
    log: deps.log,
    onOutboxCommitted: deps.onOutboxCommitted,
    generateBan: deps.generateBan,
  });
  const match = createRouter(customerApiRoutes(service, deps).routes);
  const cors = { allowedOrigins: deps.corsAllowedOrigins, allowedMethods: METHODS };
  const consoleFiles = { handler: consoleFilesHandler(deps.consoleDir ?? builtConsoleDir()), params: {} };

  /** CORS, then `work`; every outcome is an envelope and exactly one log line. */
  async function serve(req: Request, res: Response, work: (fields: LogFields) => Promise<void>): Promise<void> {
    const startedAt = performance.now();
    const fields: LogFields = {};
    let status: number;
    let failure: unknown;
    try {
      if (!applyCors(req, res, cors)) await work(fields);
      status = res.statusCode;
    } catch (err) {
      failure = err;
      if (err instanceof AppError) fields.code = err.code;
      status = sendError(res, err);
    }
    logRequest(deps.log, req, { status, startedAt, fields, err: failure });
  }

  const routeOf = (req: Request) => {
    if (isConsolePath(req.path)) return { path: req.path, route: consoleFiles };
    const path = req.path.replace(VERSION_PREFIX, '') || '/';
    return { path, route: match(req.method, path) };
  };

  const principals = new WeakMap<Request, Promise<Principal | undefined>>();
  /**
   * Only a public route (health checks) answers without credentials; for anything else,
   * including a miss, the caller is authenticated first, so 404 vs 405 vs a real route
   * tells an anonymous caller nothing. Once per request: before its body is read when
   * it has one (frameworkHooks.beforeBody), else in `handle`.
   */
  function authenticateOnce(req: Request): Promise<Principal | undefined> {
    let principal = principals.get(req);
    if (!principal) {
      const { path, route } = routeOf(req);
      // req.headers keeps only the first of repeated Authorization headers; given all of
      // them, the authenticator refuses the ambiguity as unauthenticated.
      const headers = { ...req.headers, authorization: req.headersDistinct.authorization };
      principal = route.handler?.public
        ? Promise.resolve(undefined)
        : deps.authenticator.authenticate(headers, GATEKEEPER_PREFIX + path.replace(/\/+$/, ''));
      principals.set(req, principal);
    }
    return principal;
  }

  const frameworkHooks: Required<FrameworkHooks> = {
    maxBodyBytes: MAX_BODY_BYTES,
    // The routes read req.body, parsed by the framework once the structure check passed.
    rawBodyOnly: false,
    // Preflights are answered by applyCors, unauthenticated, whatever they carry.
    beforeBody: async (req) => {
      if (req.method !== 'OPTIONS') await authenticateOnce(req);
    },
    onError: (err, req, res) =>
      serve(req, res, async () => {
        throw frameworkErrorToAppError(err);
      }),
  };

  return {
    frameworkHooks,
    handle: (req, res) => {
      // Fallback when neither up-front install was possible (a no-op once installed).
      installFrameworkHooks(req.app, frameworkHooks);
      return serve(req, res, async (fields) => {
        const { route } = routeOf(req);
        const ctx = { req, res, params: route.handler ? route.params : {} } as RouteContext;
        const principal = await authenticateOnce(req);
        if (principal) {
          ctx.principal = principal;
          fields.userId = principal.userId;
        }
        if (!route.handler) throw route.error;
        await route.handler.run(ctx);
      });
    },
  };
}
