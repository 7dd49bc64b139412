import { startSandbox, type RunningSandbox } from '../../../dev/hubspot-sandbox/sandbox.js';

/**
 * The sandbox's rate window is HubSpot's 10 s of ITS clock; running that clock SPEED times
 * fast makes it REAL_WINDOW_MS of real time, so the budget tests stay quick.
 */
const SPEED = 5;
export const REAL_WINDOW_MS = 10_000 / SPEED;

export function startFastSandbox(tenSecondLimit: number): Promise<RunningSandbox> {
  const t0 = Date.now();
  return startSandbox({ rateLimits: { tenSecondLimit }, now: () => t0 + (Date.now() - t0) * SPEED });
}
