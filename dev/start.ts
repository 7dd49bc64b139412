/**
 * npm start: the whole local stack with no configuration. Embedded PostgreSQL
 * (data under .data/postgres) or DATABASE_URL, migrations and demo seed, the
 * Pub/Sub emulator, the HubSpot sandbox on 8090 (unless HUBSPOT_ACCESS_TOKEN
 * names a real portal) with the WARP properties set up, the customer API on
 * 8080, the field-sync worker and outbox relay, the webhook intake on 8081 and
 * the inbound processor. Ctrl-C stops everything.
 */
import { hubspotInbound } from './local/inbound-service.js';
import { customerApi, database, migrations, startStack } from './local/stack.js';
import { fieldSync, hubspot, pubsubEmulator } from './local/sync-services.js';

// Never on GCE here: stop Google's client libraries probing the metadata server off-machine.
process.env.METADATA_SERVER_DETECTION ??= 'none';

const services = [database, migrations, pubsubEmulator, hubspot, customerApi, fieldSync, hubspotInbound];
const stack = await startStack(services, { env: process.env, urls: {} });
console.log(['', ...stack.banner, '', 'Ctrl-C stops the stack.'].join('\n'));

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping...`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
