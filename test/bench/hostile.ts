/**
 * Hostile bodies against both HTTP functions while /health is polled: gzip bombs, 64 MB bodies
 * (declared and chunked), chunked floods, deep and wide JSON, and many concurrent
 * unauthenticated big bodies. The functions run in a child process (hostile-servers.ts);
 * reports the statuses, that process's peak RSS (the kernel's VmHWM, so no peak between
 * samples is missed) and the longest /health answer.
 *
 *   npm run bench -- hostile
 * DATABASE_URL reuses a running server; otherwise an embedded Postgres is started here.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { chunkedRequest, gzipBomb, repeatedChunks } from '../support/raw-http.js';
import { benchDatabase, percentile, round, stopAll, type Stops } from './bench-support.js';
import { startHealthPoller, type HealthSample } from './health-poller.js';

const MiB = 1024 * 1024;
const TARGETS = { peakRssMb: 300, maxHealthStallMs: 100 };

/** A POST with a declared Content-Length whose body is streamed, never held. */
function declaredPost(url: string, headers: Record<string, string>, totalBytes: number, body?: Buffer): Promise<number> {
  return new Promise((resolve) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body?.length ?? totalBytes) } }, (res) => {
      answered = true;
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
    });
    req.on('error', () => {
      if (!answered) resolve(0);
    });
    if (body) return void req.end(body);
    const chunks = repeatedChunks(totalBytes);
    const pump = () => {
      while (!answered) {
        const next = chunks.next();
        if (next.done) return void req.end();
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

const serverUrlsSchema = z.object({ api: z.url(), webhook: z.url() });

/** The functions in a child process, ended when the bench ends (its stdin closes with ours too). */
async function startServers(stops: Stops, databaseUrl: string) {
  const script = fileURLToPath(new URL('./hostile-servers.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  stops.push(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const [line] = await Promise.race([
    lines.next().then((r) => [r.value as string | undefined]),
    new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`hostile-servers.ts exited with ${code} before listening`))),
    ),
  ]);
  const parsed = serverUrlsSchema.parse(JSON.parse(line ?? 'null'));
  return { pid: child.pid!, urls: { api: { url: parsed.api }, webhook: { url: parsed.webhook } } };
}

/** Current and peak resident set of a process, from the kernel (bytes). */
async function memoryOf(pid: number): Promise<{ rss: number; peakRss: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

export async function benchHostile(): Promise<object> {
  const stops: Stops = [];
  try {
    const databaseUrl = await benchDatabase(stops, 'hostile');
    const servers = await startServers(stops, databaseUrl);
    const { api, webhook } = servers.urls;

    // Built before sampling starts: compressing 300 MiB would stall this process's own loop.
    const json = { 'content-type': 'application/json' };
    const authed = { ...json, authorization: 'Bearer bench' };
    const bomb = await gzipBomb(300 * MiB);
    const deep = Buffer.from(`{"company_name":"x","custom_fields":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    const deepArray = Buffer.from('['.repeat(MiB / 2) + ']'.repeat(MiB / 2));
    const wideArray = Buffer.from(`{"company_name":"x","custom_fields":{"a":[${'[],'.repeat(340_000)}[]]}}`);
    const samples: HealthSample[] = [];
    let waitingPast: { at: number; resolve: () => void } | undefined;
    const poller = startHealthPoller(api.url, (sample) => {
      samples.push(sample);
      if (waitingPast && sample.endedAt > waitingPast.at) waitingPast.resolve();
    });
    stops.push(() => poller.stop());
    /** Resolves once a /health answer ended after `at`: every request in flight at `at` is counted. */
    const sampledPast = (at: number) => new Promise<void>((resolve) => (waitingPast = { at, resolve }));
    const epochNow = () => performance.timeOrigin + performance.now();
    const baselineRssMb = round((await memoryOf(servers.pid)).rss / MiB, 1);

    const cases: Record<string, () => Promise<number[]>> = {
      gzipBombs: () =>
        Promise.all(
          [api.url, api.url, webhook.url, webhook.url].map((url, i) =>
            declaredPost(`${url}/v1/customers`, { ...(i % 2 ? authed : json), 'content-encoding': 'gzip' }, 0, bomb),
          ),
        ),
      body64MbDeclared: () => Promise.all([api.url, webhook.url].map((url) => declaredPost(`${url}/v1/customers`, authed, 64 * MiB))),
      body64MbChunked: () =>
        Promise.all(
          [api.url, webhook.url].map(
            async (url) => (await chunkedRequest(url, { path: '/v1/customers', headers: authed, chunks: repeatedChunks(64 * MiB) })).status,
          ),
        ),
      chunkedFlood: () =>
        Promise.all(
          Array.from(
            { length: 16 },
            async (_, i) =>
              (
                await chunkedRequest(i % 2 ? webhook.url : api.url, {
                  path: '/v1/customers',
                  headers: authed,
                  chunks: repeatedChunks(32 * MiB),
                })
              ).status,
          ),
        ),
      deepJson: () =>
        Promise.all(
          [api.url, webhook.url].flatMap((url) =>
            [deep, deepArray, wideArray].map((body) => declaredPost(`${url}/v1/customers`, authed, 0, body)),
          ),
        ),
      concurrentUnauthenticatedBig: () =>
        Promise.all(Array.from({ length: 64 }, (_, i) => declaredPost(`${i % 2 ? webhook.url : api.url}/v1/customers`, json, MiB))),
    };

    const results: Record<string, { statuses: Record<string, number>; ms: number; maxHealthMs: number }> = {};
    for (const [name, run] of Object.entries(cases)) {
      const startedAt = epochNow();
      const statuses: Record<string, number> = {};
      for (const status of await run()) statuses[status] = (statuses[status] ?? 0) + 1;
      const endedAt = epochNow();
      await sampledPast(endedAt);
      const during = samples.filter((s) => s.endedAt >= startedAt && s.endedAt - s.ms <= endedAt).map((s) => s.ms);
      results[name] = { statuses, ms: round(endedAt - startedAt, 0), maxHealthMs: round(Math.max(0, ...during), 1) };
    }

    const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
    const peakRssMb = round((await memoryOf(servers.pid)).peakRss / MiB, 1);
    const maxHealthStallMs = round(sorted[sorted.length - 1] ?? 0, 1);
    return {
      cases: results,
      baselineRssMb,
      peakRssMb,
      health: {
        samples: sorted.length,
        p50Ms: round(percentile(sorted, 0.5), 1),
        p99Ms: round(percentile(sorted, 0.99), 1),
        maxMs: maxHealthStallMs,
      },
      targets: TARGETS,
      met: { peakRss: peakRssMb < TARGETS.peakRssMb, healthStall: maxHealthStallMs < TARGETS.maxHealthStallMs },
    };
  } finally {
    await stopAll(stops);
  }
}
