import { request } from 'node:http';
import fc from 'fast-check';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../../shared/db/database.js';
import type { RawResponse } from '../../support/raw-http.js';

/** One seed for every fuzz file: a failure names its counterexample and replays exactly. */
export const FUZZ_SEED = 0x5eed_16;

/** Code units PostgreSQL or JSON handling trips over, mixed into otherwise ordinary text. */
const hostileUnit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ufeff', '\u2028', '"', '\\', '%', '\n'),
);
export const hostileString = fc.oneof(
  fc.string({ unit: hostileUnit, maxLength: 12 }),
  fc.constantFrom('', ' ', 'x'.repeat(5000), '__proto__', 'constructor', 'prototype', 'null', '1e400', '-0'),
);

const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2, -0, 1e-320),
);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** `{"a":{"a":...1}}` `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

/** JSON values of every type, with hostile keys and strings, wide and deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    // Own keys named __proto__ as JSON.parse makes them (an object literal would set the prototype).
    fc
      .array(fc.tuple(fc.oneof(hostileString, fc.constantFrom(...PROTO_KEYS)), tie('value')), { maxLength: 4 })
      .map(
        (entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as unknown,
      ),
    fc.constantFrom(17, 100, 3000).map(nested),
    fc.constant(Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i]))),
  ),
})).value;

/** `value` with the value at `path` replaced (created where missing); a copy. */
function withValueAt(value: Record<string, unknown>, path: readonly string[], replacement: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = replacement;
  return copy;
}

/**
 * Request bodies as sent: a valid `template` with one field made hostile (so validation runs
 * deep), a hostile value of any shape, raw number literals JSON.stringify cannot write, and
 * text that is not JSON at all.
 */
export function hostileBody(template: Record<string, unknown>, paths: readonly (readonly string[])[]): fc.Arbitrary<string> {
  const RAW = '"\u0001raw\u0001"';
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...paths), hostileValue).map(([path, v]) => JSON.stringify(withValueAt(template, path, v))),
    },
    { weight: 2, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    fc
      .tuple(fc.constantFrom(...paths), fc.constantFrom('1e400', '-1e400', '9'.repeat(400), '0.' + '0'.repeat(400) + '1', '-0', '1E+2'))
      .map(([path, literal]) => JSON.stringify(withValueAt(template, path, '\u0001raw\u0001')).replace(RAW, literal)),
    fc.constantFrom(...PROTO_KEYS).map((key) => `{"${key}":{"isAdmin":true},"company_name":"x"}`),
    fc.string({ unit: hostileUnit, maxLength: 40 }),
    fc.constantFrom(
      '',
      '{',
      '{"a":1}x',
      '['.repeat(5000) + ']'.repeat(5000),
      '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
      '\ufeff{}',
      'null',
      '"x"',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
    ),
  );
}

/** Path segments that are hostile to decoding and routing. */
export const hostileSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
  fc.constantFrom('%', '%Z', '%ZZ', '%ff%fe', '%00', '%2F', '%2e%2e', '..', '%E0%A4%A', '%F0%9F%98%80', '%ED%A0%80', '%25', '~', '%C0%AF'),
);

/** Query strings with hostile names and values, still valid request-target characters. */
export const hostileQuery = fc.option(
  fc
    .array(
      fc.tuple(
        fc.constantFrom('search', 'page', 'per_page', 'status', 'customer_type', 'sort', 'x', '__proto__', 'page[]'),
        fc.oneof(hostileSegment, fc.constantFrom('-1', '0', '1e9', '99999999999999999999', 'ACTIVE', '')),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  { nil: '' },
);

export const hostileMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND');

/** Content-Type headers, mostly JSON; rawHeaders form. */
export const contentTypeHeader = fc.constantFrom<string[]>(
  ['content-type', 'application/json'],
  ['content-type', 'application/json'],
  ['content-type', 'application/json; charset=utf-8'],
  ['content-type', 'application/json; charset=latin1'],
  ['content-type', 'application/json; charset=bogus'],
  ['content-type', 'text/plain'],
  ['content-type', 'application/x-www-form-urlencoded'],
  ['content-type', 'application/cloudevents+json'],
  [],
);

/**
 * One request with the path exactly as given (no URL normalisation of `..` or `//`) and
 * headers in rawHeaders form, repeats included; Content-Length set for a body.
 */
export function sendExact(
  baseUrl: string,
  options: { method: string; path: string; headers: string[]; body?: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers = ['host', `${hostname}:${port}`, ...options.headers];
  if (options.body !== undefined) headers.push('content-length', String(Buffer.byteLength(options.body)));
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: options.method, path: options.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Row counts of every table a request could write to. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const tables = [
    'customers',
    'hubspot_sync_queue',
    'idempotency_keys',
    'user_customer_access',
    'hubspot_webhook_events',
    'hubspot_sync_log',
  ];
  const { rows } = await sql<Record<string, string>>`SELECT ${sql.join(
    tables.map((t) => sql`(SELECT count(*) FROM ${sql.table(t)}) AS ${sql.ref(t)}`),
  )}`.execute(db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([name, n]) => [name, Number(n)]));
}

/** The properties every fuzzed response must have: no 5xx, and a 4xx is the envelope with a code. */
export function expectHandled(res: RawResponse, method: string, request: string): void {
  expect(res.status, request).toBeLessThan(500);
  if (res.status >= 400 && method !== 'HEAD') {
    expect(res.body, `${request} -> ${res.status} ${res.text.slice(0, 300)}`).toMatchObject({
      success: false,
      error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) },
    });
  }
}
