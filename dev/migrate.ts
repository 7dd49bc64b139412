/**
 * npm run migrate: applies sql/ migrations to DATABASE_URL, or to the local
 * embedded cluster (.data/postgres, started for the run and stopped after).
 */
import { migrate } from '../shared/db/migrator.js';
import { createLogger } from '../shared/logging/logger.js';
import { database, type StackContext } from './local/stack.js';

const ctx: StackContext = { env: process.env, urls: {} };
const running = await database.start(ctx);
try {
  const result = await migrate(ctx.databaseUrl!, createLogger({ bindings: { tool: 'migrate' } }));
  console.log(JSON.stringify(result, null, 2));
} finally {
  await running.stop();
}
