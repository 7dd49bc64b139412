import type { Logger } from '../logging/logger.js';

/**
 * The `onConnectionError` every function passes to createDb: a lost connection is survivable (the
 * pool reconnects, the query using it fails and is retried by its caller), so it is a WARNING.
 */
export const logConnectionErrors = (log: Pick<Logger, 'warn'>) => (err: Error & { code?: string }) =>
  log.warn('database connection lost; the pool replaces it', { code: err.code, error: err.message });
