import type { RuntimeConfig } from '../config/runtime-env.js';
import { createDb, type Db } from '../db/database.js';
import { logConnectionErrors } from '../db/log-connection-errors.js';
import { createLogger, type Logger } from '../logging/logger.js';

/** A function's logger and pool, named after it; lost connections are logged. */
export function workerRuntime(config: RuntimeConfig, component: string): { db: Db; log: Logger } {
  const log = createLogger({ level: config.logLevel, projectId: config.projectId, bindings: { component } });
  const db = createDb({
    connectionString: config.databaseUrl,
    maxConnections: config.database.maxConnections,
    applicationName: component,
    onConnectionError: logConnectionErrors(log),
  });
  return { db, log };
}
