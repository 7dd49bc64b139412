import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * This process's watchdog (watchdog.mjs): a detached child that kills what it was handed once
 * this process is gone, even by SIGKILL. One per process, started on first use; it does not
 * keep this process alive.
 */
export interface Watchdog {
  /** Send `signal` to `target` (a pid, or -pgid for a process group) once this process is gone. */
  guard(target: number, signal: NodeJS.Signals): void;
  /** Stopped by this process itself: leave it alone. */
  forget(target: number): void;
}

let child: ChildProcess | undefined;

export function processWatchdog(): Watchdog {
  child ??= startWatchdog();
  const send = (line: string) => child?.stdin?.write(`${line}\n`);
  return {
    guard: (target, signal) => send(`guard ${target} ${signal}`),
    forget: (target) => send(`forget ${target}`),
  };
}

function startWatchdog(): ChildProcess {
  const script = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));
  // Detached: its own session, so a Ctrl-C or hang-up aimed at the stack does not take it first.
  const watchdog = spawn(process.execPath, [script], { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  // If it is gone, there is nothing to tell it; a write must not crash this process.
  watchdog.stdin?.on('error', () => undefined);
  return watchdog;
}
