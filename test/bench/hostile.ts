/**
 * Hostile bodies against both HTTP functions while /health is polled: gzip bombs, 64 MB bodies
 * (declared and chunked), chunked floods, deep JSON, and many concurrent unauthenticated big
 * bodies. Reports the statuses, the peak RSS of this process (servers and load generator
 * together, so an upper bound for the servers) and the longest /health answer.
 *
 *   npm run bench -- hostile
 * DATABASE_URL reuses a running server; otherwise an embedded Postgres is started here.
 */
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createHubspotWebhook } from '../../functions/hubspot-webhook/handler.js';
import { AppError } from '../../shared/errors/app-error.js';
import { createDb } from '../../shared/db/database.js';
import { createLogger } from '../../shared/logging/logger.js';
import { installFrameworkHooksOn } from '../../shared/http/framework-errors.js';
import { chunkedRequest, gzipBomb, repeatedChunks } from '../support/raw-http.js';
import type { TestDatabase } from '../support/test-database.js';
import { startCustomerApi } from '../integration/customer-api/support.js';
import { benchDatabase, percentile, round, stopAll, type Stops } from './bench-support.js';

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

export async function benchHostile(): Promise<object> {
  const stops: Stops = [];
  try {
    const databaseUrl = await benchDatabase(stops, 'hostile');
    const db = createDb({ connectionString: databaseUrl, maxConnections: 10 });
    stops.push(() => db.destroy());
    const api = await startCustomerApi({ db } as TestDatabase, {
      authenticator: {
        async authenticate(headers) {
          // Given every Authorization header the request carried: exactly one is accepted.
          if (String(headers.authorization) !== 'Bearer bench') throw new AppError('UNAUTHORIZED', 'Missing or invalid access token');
          return { userId: '11111111-1111-4111-8111-111111111111', email: 'bench@local', userType: 'superAdmin', permissions: ['*'], customerScope: { kind: 'ALL' } };
        },
      },
    });
    stops.push(() => api.close());
    const logger = createLogger({ level: 'ERROR', sink: (line) => process.stderr.write(line + '\n') });
    const intake = createHubspotWebhook(async () => ({
        db,
        // Nothing hostile gets as far as publishing.
        publisher: { publishBatch: async () => [], close: async () => undefined },
        logger,
        clientSecret: 'bench-secret',
        publicUrl: 'https://hooks.warp.example/hubspot/webhook',
        acceptedVersions: ['v3'],
        topic: 'unused',
        maxBodyBytes: MiB,
        now: Date.now,
      }), logger);
    // As deployed: the hooks are on the framework's server before its first request.
    http('benchHostileWebhook', intake.handle);
    const server: Server = getTestServer('benchHostileWebhook');
    installFrameworkHooksOn(server, intake.frameworkHooks);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const webhook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };

    // Built before sampling starts: compressing 300 MiB would stall this process's own loop.
    const json = { 'content-type': 'application/json' };
    const authed = { ...json, authorization: 'Bearer bench' };
    const bomb = await gzipBomb(300 * MiB);
    const deep = Buffer.from(`{"company_name":"x","custom_fields":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    const deepArray = Buffer.from('['.repeat(MiB / 2) + ']'.repeat(MiB / 2));
    // Samplers: RSS every 10 ms, and /health one request after another on a kept-alive socket.
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
    const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const healthMs: number[] = [];
    let caseMaxMs = 0;
    let sampling = true;
    const health = (async () => {
      while (sampling) {
        const startedAt = performance.now();
        await new Promise<void>((resolve) => request(`${api.url}/health`, { agent: healthAgent }, (res) => res.resume().on('end', resolve)).end());
        const ms = performance.now() - startedAt;
        healthMs.push(ms);
        caseMaxMs = Math.max(caseMaxMs, ms);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const baselineRssMb = round(process.memoryUsage().rss / MiB, 1);

    const cases: Record<string, () => Promise<number[]>> = {
      gzipBombs: () =>
        Promise.all([api.url, api.url, webhook.url, webhook.url].map((url, i) =>
          declaredPost(`${url}/v1/customers`, { ...(i % 2 ? authed : json), 'content-encoding': 'gzip' }, 0, bomb))),
      body64MbDeclared: () => Promise.all([api.url, webhook.url].map((url) => declaredPost(`${url}/v1/customers`, authed, 64 * MiB))),
      body64MbChunked: () =>
        Promise.all([api.url, webhook.url].map(async (url) => (await chunkedRequest(url, { path: '/v1/customers', headers: authed, chunks: repeatedChunks(64 * MiB) })).status)),
      chunkedFlood: () =>
        Promise.all(Array.from({ length: 16 }, async (_, i) =>
          (await chunkedRequest(i % 2 ? webhook.url : api.url, { path: '/v1/customers', headers: authed, chunks: repeatedChunks(32 * MiB) })).status)),
      deepJson: () =>
        Promise.all([api.url, webhook.url].flatMap((url) => [deep, deepArray].map((body) => declaredPost(`${url}/v1/customers`, authed, 0, body)))),
      concurrentUnauthenticatedBig: () =>
        Promise.all(Array.from({ length: 64 }, (_, i) => declaredPost(`${i % 2 ? webhook.url : api.url}/v1/customers`, json, MiB))),
    };

    const results: Record<string, { statuses: Record<string, number>; ms: number; maxHealthMs: number }> = {};
    for (const [name, run] of Object.entries(cases)) {
      caseMaxMs = 0;
      const startedAt = performance.now();
      const statuses: Record<string, number> = {};
      for (const status of await run()) statuses[status] = (statuses[status] ?? 0) + 1;
      results[name] = { statuses, ms: round(performance.now() - startedAt, 0), maxHealthMs: round(caseMaxMs, 1) };
    }

    sampling = false;
    await health;
    clearInterval(rssTimer);
    healthAgent.destroy();
    const sorted = [...healthMs].sort((a, b) => a - b);
    const peakRssMb = round(peakRss / MiB, 1);
    const maxHealthStallMs = round(sorted[sorted.length - 1] ?? 0, 1);
    return {
      cases: results,
      baselineRssMb,
      peakRssMb,
      health: { samples: sorted.length, p50Ms: round(percentile(sorted, 0.5), 1), p99Ms: round(percentile(sorted, 0.99), 1), maxMs: maxHealthStallMs },
      targets: TARGETS,
      met: { peakRss: peakRssMb < TARGETS.peakRssMb, healthStall: maxHealthStallMs < TARGETS.maxHealthStallMs },
    };
  } finally {
    await stopAll(stops);
  }
}
