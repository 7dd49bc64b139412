/**
 * Shared set-up for the sandbox suites: a sandbox per suite, an
 * `@hubspot/api-client` pointed at it (only basePath differs from
 * production), a webhook receiver, and OpenAPI schema validation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { startSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';
import type { RunningSandbox, SandboxOptions } from '../../../dev/hubspot-sandbox/sandbox.js';

export { startSandbox };
export type { RunningSandbox, SandboxOptions };

export function hubspotClient(sandbox: RunningSandbox, accessToken = sandbox.token): Client {
  return new Client({ accessToken, basePath: sandbox.url });
}

export function developerClient(sandbox: RunningSandbox): Client {
  return new Client({ developerApiKey: sandbox.developerApiKey, basePath: sandbox.url });
}

/** Raw HTTP to the sandbox, for contract checks on the JSON exactly as sent. */
export async function rawCall(sandbox: RunningSandbox, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sandbox.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** An ApiException's status and body, or a failure when the call unexpectedly succeeds. */
export async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; headers?: Record<string, string> };
    if (typeof e.code !== 'number') throw err;
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>);
    return { code: e.code, body, headers: e.headers ?? {} };
  }
  throw new Error('expected the HubSpot call to fail');
}

// --- OpenAPI contract -------------------------------------------------------

// HubSpot's own OpenAPI files, vendored beside the sandbox they describe.
const SPEC_DIR = fileURLToPath(new URL('../../../dev/hubspot-sandbox/openapi/', import.meta.url));
const SPECS = ['crm-companies-v3.json', 'crm-properties-v3.json', 'webhooks-v3.json'] as const;
// ajv-formats is CommonJS with `exports.default`; NodeNext sees the module object as the default import.
const addFormats = formatsModule.default;

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('int32', true);
ajv.addFormat('int64', true);
for (const file of SPECS) ajv.addSchema(JSON.parse(readFileSync(`${SPEC_DIR}/${file}`, 'utf8')) as object, file);

/** Errors of `data` against e.g. `crm-companies-v3.json#/components/schemas/SimplePublicObject` ([] when valid). */
export function schemaErrors(ref: `${(typeof SPECS)[number]}#/components/schemas/${string}`, data: unknown): string[] {
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema ${ref}`);
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

// --- Webhook receiver -------------------------------------------------------

export interface ReceivedWebhook {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  events: Array<Record<string, unknown>>;
  receivedAt: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  inFlight: number;
  maxInFlight: number;
  /** Status (and delay) for the n-th request (0-based); default 200 at once. */
  respond: (n: number, hook: ReceivedWebhook) => { status: number; delayMs?: number };
  close(): Promise<void>;
}

export async function startReceiver(path = '/hubspot/webhooks'): Promise<Receiver> {
  const timers = new Set<NodeJS.Timeout>();
  const receiver: Receiver = {
    url: '',
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    respond: () => ({ status: 200 }),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    receiver.inFlight++;
    receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.inFlight);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const hook: ReceivedWebhook = {
        url: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        rawBody,
        events: JSON.parse(rawBody) as Array<Record<string, unknown>>,
        receivedAt: Date.now(),
      };
      const n = receiver.received.length;
      receiver.received.push(hook);
      const { status, delayMs = 0 } = receiver.respond(n, hook);
      const timer = setTimeout(() => {
        timers.delete(timer);
        receiver.inFlight--;
        if (!res.destroyed) res.writeHead(status).end();
      }, delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

export function allEvents(receiver: Receiver): Array<Record<string, unknown>> {
  return receiver.received.flatMap((r) => r.events);
}
