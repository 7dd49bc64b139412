import { request } from 'node:http';
import { createGzip } from 'node:zlib';

export interface RawResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
  /** The body as received; `body` is undefined when it is not JSON. */
  text: string;
}

function parsedJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One request through node:http, which (unlike fetch) sends repeated headers as given
 * (`headers` in rawHeaders form: name, value, name, value, ...) and a Content-Length
 * that the body need not match: with `body` omitted the request stays open, so a
 * response proves the server answered without reading the body.
 */
export function rawRequest(
  url: string,
  options: { method?: string; path?: string; headers: string[]; body?: Buffer | string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/', url);
    // Headers given in raw form get no defaults from node:http, not even Host.
    const headers = ['host', target.host, ...options.headers];
    const req = request(target, { method: options.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: parsedJson(text), text });
        req.destroy();
      });
    });
    req.on('error', reject);
    if (options.body === undefined) req.flushHeaders();
    else req.end(options.body);
  });
}

/** A small gzip stream of `inflatedBytes` zeros (300 MiB compress to about 300 KB), built without holding them. */
export async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < inflatedBytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

export interface ChunkedResponse extends RawResponse {
  /** Body bytes the client had handed to the socket when the response arrived. */
  bytesSent: number;
}

/**
 * A request without Content-Length (node:http then sends Transfer-Encoding: chunked), its
 * body written chunk by chunk with backpressure; writing stops as soon as a response arrives,
 * so an endless body shows whether the server answers before reading it all.
 */
export function chunkedRequest(
  url: string,
  options: { method?: string; path?: string; headers: Record<string, string>; chunks: Iterable<Buffer> },
): Promise<ChunkedResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let bytesSent = 0;
    const req = request(new URL(options.path ?? '/', url), { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      answered = true;
      const sentAtResponse = bytesSent;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: parsedJson(text), text, bytesSent: sentAtResponse });
        req.destroy();
      });
    });
    // Once answered, the server may close while the rest is in flight: that is not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunks = options.chunks[Symbol.iterator]();
    const pump = () => {
      while (!answered) {
        const next = chunks.next();
        if (next.done) return void req.end();
        bytesSent += next.value.length;
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

/** `total` bytes of `fill` in chunks of `size`, without holding them all. */
export function* repeatedChunks(total: number, size = 64 * 1024, fill = ' '): Generator<Buffer> {
  const chunk = Buffer.alloc(size, fill);
  for (let sent = 0; sent < total; sent += size) yield sent + size <= total ? chunk : chunk.subarray(0, total - sent);
}
