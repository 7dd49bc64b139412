/**
 * The node:http front door: HubSpot paths get auth, injected faults, rate
 * limits and logging in HubSpot's order; `/_sandbox/...` is the control API.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ApiContext } from './api-context.js';
import { controlRoutes } from './control-api.js';
import type { ControlContext } from './control-api.js';
import { HubSpotError, missingScopes, rateLimited, unauthorized } from './hubspot-error.js';
import { parseJsonBody, readRawBody, sendJson } from './http-io.js';
import { Router } from './router.js';
import { companyBatchRoutes } from './routes-company-batch.js';
import { companyRoutes } from './routes-companies.js';
import { propertyRoutes } from './routes-properties.js';
import { webhookRoutes } from './routes-webhooks.js';
import type { SandboxState } from './state.js';

export const CONTROL_PREFIX = '/_sandbox';

export interface SandboxServer {
  server: Server;
  /** Cancels injected-latency waits so close() does not hang on them. */
  cancelWaits(): void;
}

export function createSandboxServer(state: SandboxState): SandboxServer {
  const api = new Router<ApiContext>();
  companyBatchRoutes(api);
  companyRoutes(api);
  propertyRoutes(api);
  webhookRoutes(api);
  const control = controlRoutes(new Router<ControlContext>());
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wait = {
        timer: setTimeout(() => {
          waits.delete(wait);
          resolve();
        }, ms),
        resolve,
      };
      waits.add(wait);
    });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const handle = url.pathname.startsWith(`${CONTROL_PREFIX}/`)
      ? handleControl(state, control, req, res, url)
      : handleApi(state, api, sleep, req, res, url);
    // Handlers answer every error themselves; this only guards against a broken socket.
    handle.catch(() => res.destroy());
  });

  return {
    server,
    cancelWaits() {
      for (const wait of waits) {
        clearTimeout(wait.timer);
        wait.resolve();
      }
      waits.clear();
    },
  };
}

async function handleApi(
  state: SandboxState,
  router: Router<ApiContext>,
  sleep: (ms: number) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const at = state.now();
  const method = req.method ?? 'GET';
  const rawBody = await readRawBody(req).catch(() => '');
  let headers: Record<string, string> = {};
  let fault: string | undefined;
  let status: number;
  let responseBytes: number;
  try {
    const isWebhooksApi = url.pathname.startsWith('/webhooks/');
    authenticate(state, req, url, isWebhooksApi);

    const injected = state.faults.forApiCall(method, url.pathname);
    if (injected.names.length > 0) fault = injected.names.join(',');
    if (injected.latencyMs > 0) await sleep(injected.latencyMs);
    if (injected.error) throw injected.error;

    if (!isWebhooksApi) {
      const isSearch = method === 'POST' && url.pathname.endsWith('/search');
      const decision = state.limiter.take(isSearch ? 'search' : 'api');
      headers = decision.headers;
      if (!decision.allowed) throw rateLimited(decision.policy);
    }

    const match = router.match(method, url.pathname);
    if (match === 'METHOD_NOT_ALLOWED')
      throw new HubSpotError(405, 'VALIDATION_ERROR', `Method ${method} is not allowed on ${url.pathname}`);
    if (!match) throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No route for ${method} ${url.pathname}`);
    const result = await match.handler({ state, query: url.searchParams, body: parseJsonBody(rawBody), rawBody }, match.params);
    status = result.status;
    responseBytes = sendJson(res, result.status, result.body, headers);
  } catch (err) {
    const error = err instanceof HubSpotError ? err : new HubSpotError(500, 'INTERNAL_ERROR', 'Internal error in the sandbox.');
    if (!(err instanceof HubSpotError)) process.stderr.write(`hubspot-sandbox: ${(err as Error).stack ?? String(err)}\n`);
    status = error.status;
    responseBytes = sendJson(res, error.status, error.toBody(), headers);
  }
  state.log.add({
    at,
    method,
    path: url.pathname,
    query: url.search,
    status,
    requestBytes: Buffer.byteLength(rawBody),
    responseBytes,
    ...(fault ? { fault } : {}),
  });
}

/**
 * Private-app calls carry `Authorization: Bearer <token>`; the webhooks API takes the developer
 * `hapikey`. The read-scoped app's token may read (GET, search, batch read) and nothing else.
 */
function authenticate(state: SandboxState, req: IncomingMessage, url: URL, isWebhooksApi: boolean): void {
  if (isWebhooksApi) {
    if (url.searchParams.get('hapikey') !== state.options.developerApiKey) throw unauthorized();
    return;
  }
  if (req.headers.authorization === `Bearer ${state.options.token}`) return;
  if (req.headers.authorization !== `Bearer ${state.options.readToken}`) throw unauthorized();
  const reads = req.method === 'GET' || (req.method === 'POST' && /\/(search|batch\/read)$/.test(url.pathname));
  if (!reads)
    throw missingScopes(url.pathname.startsWith('/crm/v3/properties') ? 'crm.schemas.companies.write' : 'crm.objects.companies.write');
}

async function handleControl(
  state: SandboxState,
  router: Router<ControlContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match || match === 'METHOD_NOT_ALLOWED')
      throw new HubSpotError(404, 'NOT_FOUND', `No control route ${req.method} ${url.pathname}`);
    const body = parseJsonBody(await readRawBody(req));
    const result = await match.handler({ state, query: url.searchParams, body }, match.params);
    sendJson(res, result.status, result.body);
  } catch (err) {
    const error = err instanceof HubSpotError ? err : new HubSpotError(400, 'VALIDATION_ERROR', (err as Error).message);
    sendJson(res, error.status, error.toBody());
  }
}
