import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * Resolves once the wall clock is past `time` (a Date, epoch ms or an ISO string): a change made
 * afterwards gets a later millisecond timestamp than one made at `time`.
 */
export function clockPast(time: Date | number | string, timeoutMs = 5_000): Promise<true> {
  const ms = typeof time === 'number' ? time : new Date(time).getTime();
  if (Number.isNaN(ms)) throw new Error(`clockPast: not a time: ${String(time)}`);
  return waitFor(async () => Date.now() > ms, `the clock to pass ${new Date(ms).toISOString()}`, timeoutMs);
}
