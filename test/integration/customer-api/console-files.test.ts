import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../../dev/build-console.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { fakeAuthenticator, startCustomerApi, type RunningApi } from './support.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request with the path sent byte for byte: fetch and URL would resolve `..` before sending. */
function get(api: RunningApi, rawPath: string, method = 'GET'): Promise<RawAnswer> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: rawPath, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the operator console under /console/', () => {
  let t: TestDatabase;
  let dir: string;
  let built: RunningApi;
  let unbuilt: RunningApi;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'warp-console-'));
    // A file beside the console that no request may reach.
    await writeFile(path.join(dir, 'secret.html'), 'TOP SECRET');
    const consoleDir = await buildConsole(path.join(dir, 'console'));
    const { authenticator } = fakeAuthenticator();
    built = await startCustomerApi(t, { authenticator, consoleDir });
    unbuilt = await startCustomerApi(t, { authenticator, consoleDir: path.join(dir, 'never-built') });
  });
  afterAll(async () => {
    await built?.close();
    await unbuilt?.close();
    await t?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the files without credentials, each with its content type and a strict CSP', async () => {
    for (const [file, type] of [
      ['/console/', 'text/html; charset=utf-8'],
      ['/console/index.html', 'text/html; charset=utf-8'],
      ['/console/main.js', 'text/javascript; charset=utf-8'],
      ['/console/screens/health.js', 'text/javascript; charset=utf-8'],
      ['/console/console.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await get(built, file);
      expect(res.status, file).toBe(200);
      expect(res.headers['content-type'], file).toBe(type);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    const index = (await get(built, '/console/')).text;
    expect(index).toBe(await readFile(path.join(dir, 'console', 'index.html'), 'utf8'));
    // The CSP forbids inline code: every script is a file, no element carries a style or handler.
    expect(index).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(index).not.toMatch(/\s(style|on[a-z]+)=/);
  });

  it('redirects /console to /console/, answers HEAD without a body and refuses writes', async () => {
    const bare = await get(built, '/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('console/');
    const head = await get(built, '/console/main.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await get(built, '/console/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('refuses every path that leaves the console folder, however it is spelled', async () => {
    for (const raw of [
      '/console/../secret.html',
      '/console/../../package.json',
      '/console/%2e%2e/secret.html',
      '/console/..%2fsecret.html',
      '/console/..%2f..%2fpackage.json',
      '/console/%2e%2e%5csecret.html',
      '/console/screens/..%2f..%2fsecret.html',
      '/console//etc/passwd',
      '/console/%2fetc%2fpasswd',
      '/console/.%2e/secret.html',
      '/console/index.html%00.js',
      '/console/%E0%A4%A',
      '/console/.hidden.js',
      '/console/screens',
      '/console/tsconfig.json',
    ]) {
      const res = await get(built, raw);
      expect([400, 404], raw).toContain(res.status);
      expect(res.text, raw).not.toContain('TOP SECRET');
      expect(res.text, raw).not.toContain('"dependencies"');
      expect(JSON.parse(res.text).success, raw).toBe(false);
    }
  });

  it('leaves the API behind its credentials', async () => {
    expect((await get(built, '/v1/sync/status')).status).toBe(401);
  });

  it('answers 503 with an envelope saying how to build it when the bundle is missing', async () => {
    const res = await get(unbuilt, '/console/');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({
      success: false,
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('npm run build') },
    });
  });
});
