import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertStackPortsFree, PortClashError } from '../../../dev/local/port-check.js';
import { freePort } from '../../support/free-port.js';
import { waitFor } from '../../support/wait-for.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function occupy(): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Every port of the stack on a free one, so only the occupied one clashes. */
async function freeStackEnv(): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()),
    WEBHOOK_PORT: String(await freePort()),
    HUBSPOT_SANDBOX_PORT: String(await freePort()),
    PUBSUB_EMULATOR_PORT: String(await freePort()),
    LOCAL_PG_PORT: String(await freePort()),
  };
}

/** Stands in for the emulator's Java process: in its own group, listening, marked with its stack's pid. */
async function fakeEmulator(owner: number) {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], {
    env: { ...process.env, WARP_PUBSUB_EMULATOR_OWNER: String(owner) },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  await new Promise((r) => child.stdout!.once('data', r));
  return { port, child };
}

describe('the port check of npm start', () => {
  it('names the port, the process holding it and the variable that moves it, in under 2 s', async () => {
    const port = await occupy();
    const started = Date.now();
    const error = await assertStackPortsFree({ ...(await freeStackEnv()), HUBSPOT_SANDBOX_PORT: String(port) }).catch(
      (err: unknown) => err,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(PortClashError);
    const message = (error as Error).message;
    expect(message).toContain(`port ${port} (HubSpot sandbox)`);
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('HUBSPOT_SANDBOX_PORT');
  });

  it('passes when every port is free, and skips the services an environment variable replaces', async () => {
    const port = await occupy();
    const env = { ...(await freeStackEnv()), LOCAL_PG_PORT: String(port), DATABASE_URL: 'postgres://elsewhere/warp' };
    await expect(assertStackPortsFree(env)).resolves.toBeUndefined();
  });

  it('stops a Pub/Sub emulator whose stack is gone, and only that', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const live = await fakeEmulator(process.pid);
    const stale = await fakeEmulator(gone.pid!);
    try {
      await assertStackPortsFree({ ...(await freeStackEnv()), PUBSUB_EMULATOR_PORT: String(stale.port) });
      await waitFor(async () => stale.child.exitCode !== null || stale.child.signalCode !== null, 'the stale emulator to exit');
      await expect(assertStackPortsFree({ ...(await freeStackEnv()), PUBSUB_EMULATOR_PORT: String(live.port) })).rejects.toThrow(
        `port ${live.port} (Pub/Sub emulator) is in use by pid ${live.child.pid}`,
      );
    } finally {
      live.child.kill('SIGKILL');
      stale.child.kill('SIGKILL');
    }
  });

  it('makes `npm start` exit 1 with the message and no stack trace', async () => {
    const port = await occupy();
    const child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts'], {
      env: { ...process.env, ...(await freeStackEnv()), PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} (customer API) is in use`);
    expect(stderr).toContain('set PORT to another port');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
