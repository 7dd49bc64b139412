/**
 * The short chaos run (npm run chaos is the long one): a few customers, one seed, every fault
 * of the scenario, all fields converged, no duplicate company, no FAILED row. SKIP_CHAOS=1 skips
 * it for a quick local loop.
 */
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_OPTIONS } from './options.js';
import { runChaos } from './run-chaos.js';

describe.skipIf(process.env.SKIP_CHAOS === '1')('chaos (short)', () => {
  it('converges every field after faults, a killed worker and a database restart', async () => {
    process.env.PUBSUB_EMULATOR_HOST = inject('pubsubEmulatorHost');
    process.env.LOG_LEVEL ??= 'ERROR';
    const report = await runChaos({
      ...DEFAULT_OPTIONS,
      seed: 7,
      customers: 6,
      edits: 40,
      durationMs: 8_000,
      outageMs: 1_500,
      settleTimeoutMs: 8_000,
      verbose: false,
    });
    expect(
      { divergences: report.divergences, duplicates: report.duplicates, failedRows: report.failedRows },
      JSON.stringify(report),
    ).toEqual({
      divergences: [],
      duplicates: 0,
      failedRows: 0,
    });
    expect(report.fieldsConverged).toBe(report.fieldsTotal);
  }, 60_000);
});
