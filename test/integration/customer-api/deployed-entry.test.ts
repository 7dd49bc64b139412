import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FRAMEWORK_MAIN = path.join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
/** Shorter than RFC 7518 wants for HS256, as WARP's real secret may be: accepted, with a warning. */
const SHORT_SECRET = 'sixteen-byte-key';

/**
 * The deployed start-up path, not a test server: functions-framework's main.js loads
 * functions/customer-api/index.ts and builds its own Express app. No database is
 * needed: nothing here gets past the body parser or the config.
 */
describe('customer API under functions-framework main.js (the deployed entry)', () => {
  let child: ChildProcess;
  let url: string;
  let stdout = '';

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ['--import', 'tsx', FRAMEWORK_MAIN, '--source=functions/customer-api/index.ts', '--target=customerApi', `--port=${port}`],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_ENV: 'development', DATABASE_URL: 'postgres://127.0.0.1:9/unused', JWT_SECRET: SHORT_SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not serving after 20 s:\n${stdout}\n${stderr}`)), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Serving function...')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
    });
  }, 30_000);
  afterAll(() => {
    child?.kill();
  });

  // Without the hook, body-parser would answer this malformed body with Express's HTML 400;
  // with it, the caller is refused before the body is read.
  it("answers the instance's FIRST request, anonymous malformed JSON, with the UNAUTHORIZED envelope", async () => {
    const res = await fetch(`${url}/v1/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"company_name": ',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });

  it('warned at start-up about the short JWT_SECRET, without logging it', () => {
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        severity: 'WARNING',
        message: 'JWT_SECRET is shorter than 32 bytes; RFC 7518 requires at least the hash size, rotate it',
      }),
    );
    expect(lines.some((l) => String(l.message).includes('server hook unavailable'))).toBe(false);
    expect(stdout).not.toContain(SHORT_SECRET);
  });
});
