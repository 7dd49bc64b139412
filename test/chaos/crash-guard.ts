/**
 * A terminated PostgreSQL session (the killed worker's, or every one during the database
 * restart) makes pg emit 'error' on a checked-out client that has no listener: in a deployed
 * function that crashes the instance. Here all instances share one process, so such errors are
 * counted (reported as `processCrashes`) instead of ending the run; anything else still throws.
 */
const CONNECTION_LOST = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

export function guardConnectionCrashes(): { crashes: string[]; release(): void } {
  const crashes: string[] = [];
  const onError = (err: Error & { code?: string }) => {
    const lost = CONNECTION_LOST.has(err.code ?? '') || /Connection terminated/i.test(err.message);
    if (!lost) throw err;
    crashes.push(`${err.code ?? err.name}: ${err.message}`);
  };
  process.on('uncaughtException', onError);
  return { crashes, release: () => process.off('uncaughtException', onError) };
}
