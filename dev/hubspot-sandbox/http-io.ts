/** Reading requests and writing JSON answers on node:http, shared by the HubSpot routes and the control API. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validationError } from './hubspot-error.js';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function readRawBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw validationError('Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw validationError(`Invalid input JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const contentHeaders: Record<string, string> = payload ? { 'content-type': 'application/json;charset=utf-8' } : {};
  res.writeHead(status, { ...headers, ...contentHeaders, 'content-length': String(Buffer.byteLength(payload)) });
  res.end(payload);
  return Buffer.byteLength(payload);
}

/** Query values as HubSpot reads them: repeated keys and comma-separated lists both work. */
export function queryList(query: URLSearchParams, name: string): string[] | undefined {
  const raw = query.getAll(name);
  if (raw.length === 0) return undefined;
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function queryBool(query: URLSearchParams, name: string): boolean {
  return query.get(name) === 'true';
}
