/** Chaos scenario settings: defaults, and `--name value` flags from the command line. */
export interface ChaosOptions {
  seed: number;
  customers: number;
  edits: number;
  /** Edits are spread over this long; faults, the outage, the kill and the DB restart fall inside it. */
  durationMs: number;
  /** The window of 100% 503 from HubSpot (0: none). */
  outageMs: number;
  killWorker: boolean;
  restartDatabase: boolean;
  /** Field-sync instances running at once. */
  workers: number;
  /** Bound on each wait after the edits (reconciliation run, quiescence). */
  settleTimeoutMs: number;
  /** Print progress lines on stderr. */
  verbose: boolean;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  seed: 1,
  customers: 60,
  edits: 400,
  durationMs: 60_000,
  outageMs: 12_000,
  killWorker: true,
  restartDatabase: true,
  workers: 2,
  settleTimeoutMs: 180_000,
  verbose: true,
};

const NUMERIC: Record<string, keyof ChaosOptions> = {
  '--seed': 'seed',
  '--customers': 'customers',
  '--edits': 'edits',
  '--duration': 'durationMs',
  '--outage': 'outageMs',
  '--workers': 'workers',
  '--settle-timeout': 'settleTimeoutMs',
};

/** `--duration`, `--outage` and `--settle-timeout` take seconds; `--no-kill`, `--no-db-restart`, `--quiet`. */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const options: ChaosOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--no-kill') options.killWorker = false;
    else if (flag === '--no-db-restart') options.restartDatabase = false;
    else if (flag === '--quiet') options.verbose = false;
    else if (NUMERIC[flag]) {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} needs a non-negative number`);
      const key = NUMERIC[flag]!;
      (options as unknown as Record<string, number>)[key] = key.endsWith('Ms') ? Math.round(value * 1000) : Math.round(value);
    } else throw new Error(`unknown option ${flag} (see test/chaos/README.md)`);
  }
  return options;
}
