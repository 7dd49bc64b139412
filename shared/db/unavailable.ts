/**
 * True when a database error means the database cannot be reached right now (down, restarting,
 * failing over, the pool saturated), not that the request was wrong: callers answer 503 and the
 * client retries. Class 08 is connection exceptions; 57P01-57P03 are shutdown and start-up.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') ||
      ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
  )
    return true;
  return typeof message === 'string' && /timeout exceeded when trying to connect|Connection terminated/.test(message);
}
