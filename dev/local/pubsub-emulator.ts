import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { environmentOf, processAlive, processGroupOf } from './processes.js';
import { processWatchdog } from './watchdog.js';

export interface PubSubEmulator {
  /** host:port, the value for PUBSUB_EMULATOR_HOST. */
  host: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'The Pub/Sub emulator needs the Google Cloud SDK: install it (https://cloud.google.com/sdk/docs/install), then ' +
  '`gcloud components install pubsub-emulator beta` (or the Debian packages google-cloud-cli-pubsub-emulator and a Java runtime).';

export function assertEmulatorAvailable(): void {
  const probe = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(`gcloud was not found. ${INSTALL_HINT}`);
}

const OWNER_VAR = 'WARP_PUBSUB_EMULATOR_OWNER';

/** Starts `gcloud beta emulators pubsub start` on loopback and waits until it answers. */
export async function startPubSubEmulator(port: number, timeoutMs = 60_000): Promise<PubSubEmulator> {
  assertEmulatorAvailable();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    // Inherited by the Java grandchild: tells a later stack whose emulator it is (staleEmulatorGroup).
    env: { ...process.env, [OWNER_VAR]: String(process.pid) },
  });
  // Its own process group, so it would survive this process: the watchdog takes it along.
  const watchdog = processWatchdog();
  if (child.pid !== undefined) watchdog.guard(-child.pid, 'SIGTERM');
  const stop = async () => {
    await stopProcessGroup(child);
    // Gone now: its pid may be reused, so the watchdog must not signal it later.
    if (child.pid !== undefined) watchdog.forget(-child.pid);
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Pub/Sub emulator exited early: ${stderr}\n${INSTALL_HINT}`);
    }
    if (await answers(host)) return { host, stop };
    await sleep(250);
  }
  await stop();
  throw new Error(`Pub/Sub emulator did not start within ${timeoutMs} ms: ${stderr}`);
}

/**
 * The process group of `pid` if it is an emulator this module started for a process that is gone
 * (a stack killed together with its watchdog); undefined for anything else, which is left alone.
 */
export function staleEmulatorGroup(pid: number): number | undefined {
  try {
    const owner = environmentOf(pid).find((kv) => kv.startsWith(`${OWNER_VAR}=`));
    if (!owner || processAlive(Number(owner.slice(OWNER_VAR.length + 1)))) return undefined;
    return processGroupOf(pid);
  } catch {
    return undefined;
  }
}

async function answers(host: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** gcloud starts the Java emulator as a grandchild: signal the whole process group. */
function stopProcessGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (!killGroup(child, 'SIGTERM')) {
      clearTimeout(timer);
      resolve();
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-child.pid!, signal);
    return true;
  } catch {
    return false; // already gone
  }
}
