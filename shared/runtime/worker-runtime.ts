import { createDb, type Db } from '../db/database.js';
import { logConnectionErrors } from '../db/log-connection-errors.js';
import { createLogger, type Logger, type Severity } from '../logging/logger.js';

/** The worker env fields (worker-env.ts) a runtime is built from, plus the resolved secret. */
export interface WorkerRuntimeConfig {
  DATABASE_URL: string;
  DATABASE_MAX_CONNECTIONS: number;
  LOG_LEVEL: Severity;
  GOOGLE_CLOUD_PROJECT?: string;
}

/** A sync worker's logger and pool, named after its function; lost connections are logged. */
export function workerRuntime(config: WorkerRuntimeConfig, component: string): { db: Db; log: Logger } {
  const log = createLogger({ level: config.LOG_LEVEL, projectId: config.GOOGLE_CLOUD_PROJECT, bindings: { component } });
  const db = createDb({
    connectionString: config.DATABASE_URL,
    maxConnections: config.DATABASE_MAX_CONNECTIONS,
    applicationName: component,
    onConnectionError: logConnectionErrors(log),
  });
  return { db, log };
}
