/**
 * End-to-end inbound latency: from "a person edits warp_credit_limit in HubSpot" (the sandbox's
 * control API) to the WARP customer row holding the new value, through the real path: the
 * sandbox's signed webhook (batched like HubSpot, 20 ms), the intake function over HTTP, Postgres,
 * the Pub/Sub emulator, the pull bridge and the inbound processor. Edits run one after another
 * over a few customers; target p50 < 1 s.
 *
 *   npx tsx test/bench/webhook-e2e.ts        (or as the `webhook-e2e` module of test/bench/run.ts)
 * DATABASE_URL / PUBSUB_EMULATOR_HOST reuse running services; otherwise both are started here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { createLinkedCustomer } from '../integration/inbound-sync/inbound-stack.js';
import { benchInboundStack } from './bench-inbound-stack.js';
import { percentile, round, stopAll, type Stops } from './bench-support.js';

export interface WebhookE2eBenchOptions {
  edits?: number;
  customers?: number;
  warmupEdits?: number;
  /** Give up on one edit after this long (counted as a timeout, not a sample). */
  timeoutMs?: number;
}

export async function benchWebhookE2e(options: WebhookE2eBenchOptions = {}): Promise<object> {
  const edits = options.edits ?? 60;
  const customerCount = options.customers ?? 4;
  const warmup = options.warmupEdits ?? 5;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const stops: Stops = [];
  try {
    const { db, stack } = await benchInboundStack(stops, 'e2e', { maxConnections: 10 });

    const customers: Array<Awaited<ReturnType<typeof createLinkedCustomer>>> = [];
    for (let i = 0; i < customerCount; i++) customers.push(await createLinkedCustomer(stack, `Bench Co ${i}`));

    let value = 1_000;
    let timeouts = 0;
    const editOnce = async (n: number): Promise<number | undefined> => {
      const customer = customers[n % customers.length]!;
      value += 1;
      const expected = `${value}.00`;
      const started = performance.now();
      await stack.sandbox.control.editAsUser(customer.companyId, { warp_credit_limit: String(value) });
      for (;;) {
        const row = await db.selectFrom('customers').select('credit_limit').where('id', '=', customer.id).executeTakeFirstOrThrow();
        const elapsed = performance.now() - started;
        if (row.credit_limit === expected) return elapsed;
        if (elapsed > timeoutMs) {
          timeouts += 1;
          return undefined;
        }
        await sleep(2);
      }
    };

    for (let i = 0; i < warmup; i++) await editOnce(i);
    timeouts = 0;
    const samples: number[] = [];
    for (let i = 0; i < edits; i++) {
      const ms = await editOnce(i);
      if (ms !== undefined) samples.push(ms);
    }
    samples.sort((a, b) => a - b);
    const p50Ms = round(percentile(samples, 0.5), 1);
    return {
      bench: 'webhook-e2e',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => round(l, 2)),
      edits,
      customers: customerCount,
      warmupEdits: warmup,
      sandboxWebhookBatchDelayMs: 20,
      samples: samples.length,
      timeouts,
      p50Ms,
      p90Ms: round(percentile(samples, 0.9), 1),
      p99Ms: round(percentile(samples, 0.99), 1),
      minMs: round(samples[0] ?? 0, 1),
      maxMs: round(samples.at(-1) ?? 0, 1),
      targets: { p50Below1s: samples.length > 0 && p50Ms < 1_000 },
    };
  } finally {
    await stopAll(stops);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchWebhookE2e(), null, 2));
}
