/**
 * npm start: the whole local stack with no configuration. Embedded PostgreSQL
 * (data under .data/postgres) or DATABASE_URL, migrations and demo seed, the
 * Pub/Sub emulator, the HubSpot sandbox on 8090 (unless HUBSPOT_ACCESS_TOKEN
 * names a real portal) with the WARP properties set up, the customer API on
 * 8080 (with the operator console, built first, at /console/), the field-sync
 * worker and outbox relay, the webhook intake on 8081 and the inbound processor.
 * Ctrl-C stops everything. `npm start -- --fresh` first deletes the database's
 * data and the sandbox's state: the previous runs' customers and companies.
 */
import { parseArgs } from 'node:util';
import { assertStackPortsFree, PortClashError } from './local/port-check.js';
import { stopOnSignals, whenLauncherGone } from './local/processes.js';

// Never on GCE here: stop Google's client libraries probing the metadata server off-machine.
process.env.METADATA_SERVER_DETECTION ??= 'none';

function parseFresh(): boolean {
  try {
    return parseArgs({ options: { fresh: { type: 'boolean', default: false } }, strict: true }).values.fresh;
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm start [-- --fresh]`);
    process.exit(2);
  }
}

const fresh = parseFresh();
// Stopped like a Ctrl-C; until the handlers below exist, SIGTERM ends it and the watchdog the rest.
whenLauncherGone(() => process.kill(process.pid, 'SIGTERM'));
try {
  await assertStackPortsFree(process.env);
} catch (err) {
  if (!(err instanceof PortClashError)) throw err;
  console.error(err.message);
  process.exit(1);
}
// The services' modules (Google's client libraries among them) take seconds to load: not before the check.
const { customerApi, database, migrations, removeLocalData, startStack } = await import('./local/stack.js');
const { hubspotInbound } = await import('./local/inbound-service.js');
const { fieldSync, hubspot, pubsubEmulator } = await import('./local/sync-services.js');

if (fresh) {
  // An external database cannot be emptied from here, and a fresh sandbox alone would reuse its company ids.
  if (process.env.DATABASE_URL) {
    console.error('--fresh deletes the embedded database; with DATABASE_URL set, empty that database yourself.');
    process.exit(2);
  }
  const removed = await removeLocalData(process.env);
  console.error(`--fresh: deleted ${removed.postgres} and ${removed.hubspotSandbox}`);
}

// The customer API serves the console from dist/console: built before it starts, so it is never stale.
const { buildConsole } = await import('./build-console.js');
console.error('building the operator console...');
await buildConsole();

const services = [database, migrations, pubsubEmulator, hubspot, customerApi, fieldSync, hubspotInbound];
const stack = await startStack(services, { env: process.env, urls: {} });
console.log(['', ...stack.banner, '', 'Ctrl-C stops the stack.'].join('\n'));

stopOnSignals(stack.stop);
