import type { Logger } from '../logging/logger.js';

/** PostgreSQL's admin_shutdown: the server is stopping and ends every session. */
const ADMIN_SHUTDOWN = '57P01';
let stopsItsOwnServer = false;

/**
 * Said by a process that runs its database server itself (the local stack's embedded PostgreSQL,
 * which a terminal's Ctrl-C reaches as well): that server's shutdown ending the pools' sessions is
 * the process stopping, not a fault.
 */
export function expectOwnServerShutdown(): void {
  stopsItsOwnServer = true;
}

/**
 * The `onConnectionError` every function passes to createDb: a lost connection is survivable (the
 * pool reconnects, the query using it fails and is retried by its caller), so it is a WARNING.
 */
export const logConnectionErrors = (log: Pick<Logger, 'warn' | 'info'>) => (err: Error & { code?: string }) => {
  if (stopsItsOwnServer && err.code === ADMIN_SHUTDOWN)
    log.info('database connection ended: the local server is stopping', { code: err.code });
  else log.warn('database connection lost; the pool replaces it', { code: err.code, error: err.message });
};
