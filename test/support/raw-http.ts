import { request } from 'node:http';
import { createGzip } from 'node:zlib';

export interface RawResponse {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
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
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
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
