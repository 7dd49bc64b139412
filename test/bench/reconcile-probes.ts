/** What the reconcile bench watches while a run goes: HubSpot calls by method, memory, the run's progress. */
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../../shared/db/database.js';
import { getRun } from '../../shared/reconciliation/run-views.js';

/**
 * HubSpot HTTP calls by the companies method that made them: the client's own counter names the
 * operation, which is `batch.read` for a read with history and one without alike.
 */
export function createCallsByMethod() {
  const method = new AsyncLocalStorage<string>();
  const counts: Record<string, number> = {};
  return {
    /** The client's `onCall`. */
    onCall: () => {
      const name = method.getStore() ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
    },
    /** The companies with every method's calls counted under its name. */
    wrap<C extends object>(companies: C): C {
      type Method = (...args: unknown[]) => unknown;
      const counted = ([name, fn]: [string, Method]) => [name, (...args: unknown[]) => method.run(name, () => fn(...args))];
      return Object.fromEntries(Object.entries(companies as Record<string, Method>).map(counted)) as C;
    },
    /** Calls since the last snapshot, by method. */
    take(): Record<string, number> {
      const taken = { ...counts };
      for (const name of Object.keys(counts)) delete counts[name];
      return taken;
    },
  };
}

/** The greatest resident set size of this process while sampling, and of its JavaScript heap, in MB. */
export function sampleMemory(everyMs = 100) {
  const max = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    max.rss = Math.max(max.rss, rss);
    max.heapUsed = Math.max(max.heapUsed, heapUsed);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { maxRssMb: mb(max.rss), maxHeapUsedMb: mb(max.heapUsed) };
    },
  };
}

/**
 * Watches the newest reconciliation run as the console sees it (GET /sync/reconciliation-runs/:id)
 * and records the longest time its progress (customers checked) stood still while it ran, and
 * whether it always showed a total and an estimated finish.
 */
export function watchProgress(db: Db, everyMs = 250) {
  const startedAt = Date.now();
  let lastChangeAt = startedAt;
  let lastChecked = -1;
  let maxGapMs = 0;
  let samples = 0;
  let withEstimate = 0;
  let stopped = false;
  const sample = async () => {
    const newest = await db.selectFrom('hubspot_reconciliation_runs').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const run = newest && (await getRun(db, newest.id));
    const now = Date.now();
    if (!run || run.status !== 'RUNNING') return;
    samples++;
    if (run.progress.customersTotal !== null && run.progress.estimatedFinishAt !== null) withEstimate++;
    if (run.progress.customersChecked !== lastChecked) {
      maxGapMs = Math.max(maxGapMs, now - lastChangeAt);
      lastChecked = run.progress.customersChecked;
      lastChangeAt = now;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await sleep(everyMs);
    }
  })();
  return {
    /** Call once the run has finished: the time since its last update counts as a gap too. */
    async stop(finishedAt: number) {
      stopped = true;
      await loop;
      maxGapMs = Math.max(maxGapMs, finishedAt - lastChangeAt);
      return { maxProgressGapMs: maxGapMs, progressSamples: samples, samplesWithTotalAndEta: withEstimate };
    },
  };
}
