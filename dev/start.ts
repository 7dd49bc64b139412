/**
 * npm start: the local stack with no configuration (embedded PostgreSQL under
 * .data/postgres, migrations, demo seed, customer API on http://127.0.0.1:8080).
 * Ctrl-C stops everything.
 */
import { defaultServices, startStack } from './local/stack.js';

const stack = await startStack(defaultServices, { env: process.env, urls: {} });
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
