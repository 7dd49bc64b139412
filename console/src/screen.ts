/** What a screen gets from the router: its path parameters, and whether it is still the one shown. */
export interface ScreenContext {
  /** `#/customer/<id>` gives ['<id>']. */
  params: string[];
  query: URLSearchParams;
  /** False once the operator navigated away: a screen stops polling then. */
  alive(): boolean;
  /** Shows the same screen again, read afresh. */
  refresh(): void;
}

export type Screen = (root: HTMLElement, ctx: ScreenContext) => Promise<void>;

/**
 * Calls `probe` every `everyMs` until it returns true, the screen is left, or `timeoutMs` passes;
 * resolves with whether it settled.
 */
export async function pollUntil(ctx: ScreenContext, probe: () => Promise<boolean>, everyMs: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (ctx.alive() && Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
}
