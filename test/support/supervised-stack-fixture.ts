/**
 * Embedded Postgres (data in LOCAL_PG_DATA) and the Pub/Sub emulator on free ports, stopped on
 * signals the way `npm start` stops its stack; prints "ready" once both are up. Run by
 * test/integration/local-stack/no-orphans.test.ts, which then signals or kills this process.
 */
import { startLocalPostgres } from '../../dev/local/embedded-postgres.js';
import { stopOnSignals } from '../../dev/local/processes.js';
import { startPubSubEmulator } from '../../dev/local/pubsub-emulator.js';
import { freePort } from './free-port.js';

const postgres = await startLocalPostgres({ dataDir: process.env.LOCAL_PG_DATA!, port: await freePort(), persistent: false });
const emulator = await startPubSubEmulator(await freePort());
stopOnSignals(async () => {
  await emulator.stop();
  await postgres.stop();
});
process.stdout.write('ready\n');
