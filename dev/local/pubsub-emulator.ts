import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

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

/** Starts `gcloud beta emulators pubsub start` on loopback and waits until it answers. */
export async function startPubSubEmulator(port: number, timeoutMs = 60_000): Promise<PubSubEmulator> {
  assertEmulatorAvailable();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Pub/Sub emulator exited early: ${stderr}\n${INSTALL_HINT}`);
    if (await answers(host)) {
      // If this process dies without stopping it (a killed test run), take the emulator along.
      const killOnExit = () => killGroup(child, 'SIGKILL');
      process.once('exit', killOnExit);
      return {
        host,
        stop: async () => {
          process.removeListener('exit', killOnExit);
          await stopProcessGroup(child);
        },
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopProcessGroup(child);
  throw new Error(`Pub/Sub emulator did not start within ${timeoutMs} ms: ${stderr}`);
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
