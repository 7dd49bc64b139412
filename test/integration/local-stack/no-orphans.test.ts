import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { processTable, processTree } from '../../support/process-tree.js';
import { waitFor } from '../../support/wait-for.js';

const FIXTURE = new URL('../../support/supervised-stack-fixture.ts', import.meta.url).pathname;

/**
 * Runs `args` until it prints `readyLine`, sends `signal` to it, and expects every process it had
 * by then (postgres, gcloud and its Java child, the watchdog, ...) to be gone.
 */
async function expectNoOrphans(args: string[], env: NodeJS.ProcessEnv, readyLine: string, signal: NodeJS.Signals): Promise<void> {
  // Postgres runs as an unprivileged user when the tests run as root: the directory must be readable.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warp-no-orphans-'));
  await chmod(dir, 0o755);
  try {
    const { DATABASE_URL: _db, PUBSUB_EMULATOR_HOST: _emulator, HUBSPOT_ACCESS_TOKEN: _token, ...inherited } = process.env;
    const child = spawn(args[0]!, args.slice(1), {
      env: { ...inherited, ...env, LOCAL_PG_DATA: path.join(dir, 'pg') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit').then(() => {
      throw new Error(`${args.join(' ')} exited before it was up`);
    });
    const ready = (async () => {
      for await (const line of createInterface({ input: child.stdout! })) if (line === readyLine) return;
    })();
    await Promise.race([ready, exited]);
    const tree = processTree(child.pid!);
    const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8')).join('\n');
    for (const part of ['watchdog.mjs', 'bin/postgres', 'cloud-pubsub-emulator']) expect(commands).toContain(part);

    child.kill(signal);
    const left = await waitFor(
      async () => {
        const live = processTable();
        const remaining = tree.filter((pid) => live.has(pid));
        return remaining.length === 0 && remaining;
      },
      `every process of ${args.join(' ')} to exit after ${signal}`,
      25_000,
    );
    expect(left).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('nothing outlives the local stack', () => {
  it.concurrent.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const)(
    '%s of the parent ends postgres, the emulator and every child',
    async (signal) => {
      // node --import tsx rather than the tsx wrapper: the fixture itself is the parent that gets signalled.
      await expectNoOrphans([process.execPath, '--import', 'tsx', FIXTURE], {}, 'ready', signal);
    },
    50_000,
  );

  it.concurrent(
    'SIGKILL of `npm start` ends the whole stack',
    async () => {
      const ports = Object.fromEntries(
        await Promise.all(
          ['PORT', 'WEBHOOK_PORT', 'HUBSPOT_SANDBOX_PORT', 'PUBSUB_EMULATOR_PORT', 'LOCAL_PG_PORT'].map(async (name) => [
            name,
            String(await freePort()),
          ]),
        ),
      );
      await expectNoOrphans(['npm', 'start', '--silent'], { ...ports, LOG_LEVEL: 'WARNING' }, 'Ctrl-C stops the stack.', 'SIGKILL');
    },
    // A fresh clone's first start also builds the console, beside the four stacks above on two cores.
    90_000,
  );
});
