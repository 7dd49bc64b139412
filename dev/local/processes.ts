import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Linux process lookups through /proc for the local stack; callers degrade where /proc is missing. */

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** /proc/<pid>/stat is "pid (comm) state ppid pgrp ..."; comm may itself contain ") ". */
function statFields(pid: number): { ppid: number; pgrp: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return { ppid: Number(ppid), pgrp: Number(pgrp) };
}

export function processGroupOf(pid: number): number {
  return statFields(pid).pgrp;
}

/** The initial environment of a process of this user, as NAME=value strings. */
export function environmentOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

/** Stops once on SIGINT, SIGTERM or SIGHUP (a closed terminal), then exits. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping...`);
    await stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
}

/**
 * Calls `onGone` once a process that launched this one is gone: the parent (tsx's wrapper) and,
 * under `npm start`, every ancestor up to npm itself. Killed with SIGKILL, npm passes nothing on
 * and its script would run on, orphaned.
 */
export function whenLauncherGone(onGone: () => void): void {
  const launchers = [process.ppid];
  try {
    // npm marks the environment of the scripts it runs; the first ancestor without the mark is npm.
    let pid = process.ppid;
    while (pid > 1 && launchers.length < 8 && environmentOf(pid).some((kv) => kv.startsWith('npm_lifecycle_event='))) {
      pid = statFields(pid).ppid;
      launchers.push(pid);
    }
  } catch {
    // no /proc: the parent alone
  }
  const timer = setInterval(() => {
    if (launchers.some((pid) => !processAlive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, 250);
  timer.unref();
}

/** The process listening on TCP `port`, or undefined (no /proc, or another user's process). */
export function listenerOf(port: number): { pid: number; command: string } | undefined {
  try {
    const sockets = new Set(
      ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
        readFileSync(table, 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          // local_address is HEXIP:HEXPORT, state 0A is LISTEN, field 9 the socket's inode.
          .filter((f) => f[3] === '0A' && parseInt(f[1]?.split(':')[1] ?? '', 16) === port)
          .map((f) => `socket:[${f[9]}]`),
      ),
    );
    if (sockets.size === 0) return undefined;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      if (fdLinks(pid).some((link) => sockets.has(link))) {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
        return { pid: Number(pid), command: command.length > 160 ? `${command.slice(0, 157)}...` : command };
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** Targets of a process's open file descriptors; empty if it is gone or not ours to look into. */
function fdLinks(pid: string): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}
