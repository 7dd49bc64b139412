process.env.METADATA_SERVER_DETECTION ??= 'none';
/**
 * `npm run chaos [-- --seed 7 --customers 60 --edits 400 --duration 60 --outage 12 --workers 2
 * --settle-timeout 180 --no-kill --no-db-restart --quiet]`: one seeded chaos run against the
 * local stack. Prints the report as JSON on stdout (the functions' logs go to stderr); exit 1 on
 * any divergence, duplicate or FAILED row.
 */
import { parseChaosArgs } from './options.js';
import { runChaos } from './run-chaos.js';

const stdoutWrite = process.stdout.write.bind(process.stdout);
// The deployed dependency builders log to stdout; keep stdout for the report alone.
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
const report = await runChaos(parseChaosArgs(process.argv.slice(2)));
stdoutWrite(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.ok ? 0 : 1;
