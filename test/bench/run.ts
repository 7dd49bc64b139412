/**
 * npm run bench [-- <name>...]: runs the named benchmarks (all when none is
 * named) and prints one JSON object, keyed by bench name. A bench is a module
 * exporting an async function that returns a JSON-able result; add it below.
 */
type Bench = () => Promise<object>;

const BENCHES: Record<string, Bench> = {
  'customer-list': async () => (await import('./customer-list.js')).benchCustomerList(),
  'webhook-intake': async () => (await import('./webhook-intake.js')).benchWebhookIntake(),
  'sync-throughput': async () => (await import('./sync-throughput.js')).benchSyncThroughput(),
  'webhook-e2e': async () => (await import('./webhook-e2e.js')).benchWebhookE2e(),
  hostile: async () => (await import('./hostile.js')).benchHostile(),
  'sync-status': async () => (await import('./sync-status.js')).benchSyncStatus(),
  'retention-purge': async () => (await import('./retention-purge.js')).benchRetentionPurge(),
  match: async () => (await import('./match.js')).benchMatch(),
  reconcile: async () => (await import('./reconcile.js')).benchReconcile(),
  idle: async () => (await import('./idle.js')).benchIdle(),
};

// Benches talk to loopback only: no probing for the GCE metadata server.
process.env.METADATA_SERVER_DETECTION ??= 'none';

const requested = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = requested.filter((name) => !Object.hasOwn(BENCHES, name));
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const results: Record<string, object> = {};
for (const name of requested.length > 0 ? requested : Object.keys(BENCHES)) {
  console.error(`bench ${name}...`);
  results[name] = await BENCHES[name]!();
}
console.log(JSON.stringify(results, null, 2));
