/**
 * Outlives its parent on purpose: a process killed with SIGKILL runs no handlers, so the
 * children it started detached (the Pub/Sub emulator's process group) or that are reparented
 * to init (PostgreSQL) would keep running and hold their ports. Plain JavaScript so it starts
 * without a TypeScript loader, from the stack and from test runners alike.
 *
 * Reads lines from stdin (a pipe from the parent, closed by the kernel however the parent ends):
 *   guard <target> <signal>  on acting, send <signal> to <target> (a pid, or -pgid for a group)
 *   forget <target>          the parent stopped it itself
 * On acting, targets still alive after GRACE_MS get SIGKILL.
 */
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setInterval, setTimeout } from 'node:timers';

const GRACE_MS = 10_000;
const POLL_MS = 200;

const parent = process.ppid;
/** target -> signal */
const targets = new Map();
let acting = false;

const alive = (target) => {
  try {
    process.kill(target, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
const send = (target, signal) => {
  try {
    process.kill(target, signal);
  } catch {
    // already gone
  }
};

async function act() {
  if (acting) return;
  acting = true;
  for (const [target, signal] of targets) send(target, signal);
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline && [...targets.keys()].some(alive)) await new Promise((r) => setTimeout(r, POLL_MS));
  for (const target of targets.keys()) if (alive(target)) send(target, 'SIGKILL');
  process.exit(0);
}

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [verb, target, signal] = line.trim().split(/\s+/);
    const id = Number(target);
    if (!Number.isInteger(id) || id === 0) return;
    if (verb === 'guard') targets.set(id, signal ?? 'SIGTERM');
    else if (verb === 'forget') targets.delete(id);
  })
  .on('close', () => void act());

// The pipe closing is the signal; polling the parent as well costs nothing.
setInterval(() => {
  if (!alive(parent)) void act();
}, POLL_MS);
