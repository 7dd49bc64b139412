/**
 * One chaos run: customers through the API, seeded interleaved edits from both sides under
 * sandbox faults with an outage window, a field-sync instance killed mid-batch, a database
 * restart; then faults cleared, quiet, one FULL reconciliation, quiet, and the verdict.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { guardConnectionCrashes } from './crash-guard.js';
import { startChaosStack, type ChaosStack } from './chaos-stack.js';
import { compare, type Verdict } from './compare.js';
import { awaitLinks, createCustomer, planEdits, runEdits, type ChaosCustomer, type EditStats, type Ledger } from './edits.js';
import { setFaults } from './faults.js';
import { loadChaosFields } from './fields.js';
import { seededRandom } from '../../dev/hubspot-sandbox/seeded-random.js';
import type { ChaosOptions } from './options.js';
import { finishedRun, settle } from './settle.js';

export interface ChaosReport extends Verdict {
  seed: number;
  ok: boolean;
  customers: number;
  fields: string[];
  fieldsSkipped: string[];
  edits: EditStats;
  /** Unhandled pg connection errors that would have crashed a deployed instance. */
  processCrashes: { count: number; first: string[] };
  events: Record<string, unknown>;
  settledBeforeReconcile: unknown;
  reconciliation: unknown;
  settledAfterReconcile: unknown;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = (line: string) => options.verbose && process.stderr.write(`[chaos] ${line}\n`);
  const guard = guardConnectionCrashes();
  const stack = await startChaosStack({ random: seededRandom(options.seed ^ 0x5eed), workers: options.workers });
  try {
    const { fields, skipped } = await loadChaosFields(stack.db);
    const ledger: Ledger = new Map();
    say(`stack up; fields ${fields.map((f) => f.warpField).join(', ')}`);
    const customers: ChaosCustomer[] = [];
    for (let i = 0; i < options.customers; i++) customers.push(await createCustomer(stack.apiUrl, options.seed, i, fields, ledger));
    await awaitLinks(stack.db, customers, options.settleTimeoutMs);
    await settle(stack, options.settleTimeoutMs);
    say(`${customers.length} customers created and linked`);

    const plan = planEdits(seededRandom(options.seed), fields, customers.length, options.edits, options.durationMs);
    await setFaults(stack.sandbox.control, 'base');
    const events: Record<string, unknown> = {};
    const timeline = runTimeline(stack, options, events, say);
    const edits = await runEdits({ apiUrl: stack.apiUrl, db: stack.db, control: stack.sandbox.control, customers, ledger }, plan);
    await timeline;
    await setFaults(stack.sandbox.control, 'none');
    say(`edits done (${JSON.stringify(edits)}); faults cleared, waiting for quiet`);

    const settledBeforeReconcile = await settle(stack, options.settleTimeoutMs);
    const messageId = await stack.reconcile({ all: true, mode: 'FULL' });
    const run = await finishedRun(stack, messageId, options.settleTimeoutMs);
    const reconciliation = run
      ? { status: run.status, checked: run.customers_checked, changed: run.customers_changed, errors: run.errors }
      : { status: 'TIMED_OUT' };
    say(`FULL reconciliation ${JSON.stringify(reconciliation)}`);
    const settledAfterReconcile = await settle(stack, options.settleTimeoutMs);

    const verdict = await compare(stack, customers, fields, ledger);
    const ok = verdict.fieldsConverged === verdict.fieldsTotal && verdict.duplicates === 0 && verdict.failedRows === 0;
    return {
      seed: options.seed,
      ok,
      customers: customers.length,
      fields: fields.map((f) => `${f.warpField} (${f.direction}/${f.conflictRule})`),
      fieldsSkipped: skipped,
      edits,
      processCrashes: { count: guard.crashes.length, first: guard.crashes.slice(0, 3) },
      events,
      settledBeforeReconcile,
      reconciliation,
      settledAfterReconcile,
      ...verdict,
    };
  } finally {
    await stack.close();
    guard.release();
  }
}

/**
 * The faults that follow the edit clock: the kill at 25% of the duration, the outage from 40%,
 * the database restart at 70%. Each waits for its moment, never for a fixed settle time.
 */
async function runTimeline(
  stack: ChaosStack,
  options: ChaosOptions,
  events: Record<string, unknown>,
  say: (l: string) => void,
): Promise<void> {
  const started = Date.now();
  const at = (fraction: number) => sleep(Math.max(0, started + fraction * options.durationMs - Date.now()));
  const steps: Array<Promise<void>> = [];
  if (options.killWorker) {
    steps.push(
      (async () => {
        await at(0.25);
        events.workerKill = await killMidBatch(stack, options.durationMs * 0.15);
        say(`worker killed: ${JSON.stringify(events.workerKill)}`);
      })(),
    );
  }
  if (options.outageMs > 0) {
    steps.push(
      (async () => {
        await at(0.4);
        await setFaults(stack.sandbox.control, 'outage');
        say(`HubSpot outage (100% 503) for ${options.outageMs} ms`);
        await sleep(options.outageMs);
        await setFaults(stack.sandbox.control, 'base');
        events.outage = { fromMs: Math.round(0.4 * options.durationMs), ms: options.outageMs };
      })(),
    );
  }
  if (options.restartDatabase) {
    steps.push(
      (async () => {
        await at(0.7);
        const t0 = Date.now();
        await stack.restartDatabase();
        events.databaseRestart = { atMs: t0 - started, downMs: Date.now() - t0 };
        say(`database restarted in ${Date.now() - t0} ms`);
      })(),
    );
  }
  await Promise.all(steps);
}

/** Kills the first instance seen holding PROCESSING rows (waits up to `withinMs` for one), then starts a fresh one. */
async function killMidBatch(stack: ChaosStack, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const holders = await sql<{ claimed_by: string; n: string }>`
      SELECT claimed_by, count(*) AS n FROM hubspot_sync_queue WHERE status = 'PROCESSING' AND claimed_by IS NOT NULL GROUP BY claimed_by`
      .execute(stack.db)
      .then((r) => r.rows)
      .catch(() => []);
    const victim = stack.workers.find((w) => holders.some((h) => h.claimed_by === w.workerId));
    if (victim || Date.now() > deadline) {
      const chosen = victim ?? stack.workers[0]!;
      const rowsInFlight = Number(holders.find((h) => h.claimed_by === chosen.workerId)?.n ?? 0);
      const fresh = await stack.replaceWorker(chosen);
      return { killed: chosen.workerId, midBatch: Boolean(victim), rowsInFlight, replacement: fresh.workerId };
    }
    await sleep(20);
  }
}
