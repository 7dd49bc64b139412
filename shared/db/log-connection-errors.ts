import type { Logger } from '../logging/logger.js';

let serverStopsWithUs = false;

/**
 * Said by a process that stops its own database server (the local stack on Ctrl-C, which reaches
 * PostgreSQL too): from then on the server ending connections is the shutdown, not a fault.
 */
export function expectDatabaseShutdown(): void {
  serverStopsWithUs = true;
}

/**
 * The `onConnectionError` every function passes to createDb: a lost connection is survivable (the
 * pool reconnects, the query using it fails and is retried by its caller), so it is a WARNING.
 */
export const logConnectionErrors = (log: Pick<Logger, 'warn' | 'info'>) => (err: Error & { code?: string }) => {
  if (serverStopsWithUs) log.info('database connection closed by the shutdown', { code: err.code });
  else log.warn('database connection lost; the pool replaces it', { code: err.code, error: err.message });
};
