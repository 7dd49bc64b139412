import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlClient, type ControlClient } from '../../../dev/hubspot-sandbox/control-client.js';
import { freePort } from '../../support/free-port.js';
import { commandLines, processTable, processTree } from '../../support/process-tree.js';
import { waitFor } from '../../support/wait-for.js';

const START = new URL('../../../dev/start.ts', import.meta.url).pathname;
const READY_LINE = 'Ctrl-C stops the stack.';
const PORT_VARIABLES = ['PORT', 'WEBHOOK_PORT', 'HUBSPOT_SANDBOX_PORT', 'PUBSUB_EMULATOR_PORT', 'LOCAL_PG_PORT'] as const;

interface RunningStack {
  child: ChildProcess;
  token: string;
  api: string;
  /** The last lines it wrote to stderr, for failure messages. */
  stderr(): string;
}

/**
 * `npm start`'s entry itself (node --import tsx, as the tsx wrapper would), so the signals the
 * test sends reach the launcher and not a wrapper; resolves once the banner is complete.
 */
async function startStack(env: NodeJS.ProcessEnv): Promise<RunningStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const banner: string[] = [];
  const ready = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      banner.push(line);
      if (line === READY_LINE) return;
    }
    throw new Error(`npm start closed its output before its banner:\n${banner.join('\n')}\n${stderr}`);
  })();
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`npm start exited (${code ?? signal}) before its banner:\n${stderr}`);
  });
  // Bounded here too: a stack that hangs while starting fails this test, not the run.
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no banner within 45 s:\n${stderr}`)), 45_000).unref(),
  );
  await Promise.race([ready, exited, timeout]);
  const value = (prefix: string) => banner.find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? '';
  return { child, token: value('export TOKEN='), api: value('export API='), stderr: () => stderr };
}

async function api(stack: RunningStack, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads arbitrary JSON
  return { status: res.status, body: (await res.json()) as { data: Record<string, any> } };
}

async function createCustomer(stack: RunningStack, name: string): Promise<{ id: string; ban: string }> {
  const res = await api(stack, 'POST', '/customers', {
    company_name: name,
    customer_type: 'POSTPAID',
    contact: { name: 'Ops', email: 'ops@smoke.example', phone: '+1 415 555 0100' },
    address: { line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', country: 'US' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id, ban: res.body.data.ban };
}

/** The HubSpot company WARP linked the customer to, once the field sync has created it. */
function linkedCompany(stack: RunningStack, id: string): Promise<string> {
  return waitFor(
    async () => {
      const res = await api(stack, 'GET', `/customers/${id}`);
      return (res.body.data.external_ids?.hubspot_company_id as string | undefined) ?? false;
    },
    `customer ${id} to be linked to a HubSpot company`,
    15_000,
  );
}

/** Linking creates the company first; the customer's fields follow in the same sync. */
async function companyShows(sandbox: ControlClient, id: string, expected: Record<string, string>): Promise<void> {
  let last: Record<string, string> = {};
  await waitFor(
    async () => {
      last = (await sandbox.company(id)).properties;
      return Object.entries(expected).every(([name, value]) => last[name] === value);
    },
    `company ${id} to show ${JSON.stringify(expected)}`,
    15_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; it has ${JSON.stringify(last)}`);
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('npm start, end to end', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<string, number>;
  let stack: RunningStack | undefined;
  /** Every process any stack of this test had, to clean up after a failure. */
  const seen = new Set<number>();

  beforeAll(async () => {
    // Postgres runs as an unprivileged user when the tests run as root: the directory must be readable.
    dir = await mkdtemp(path.join(os.tmpdir(), 'warp-smoke-'));
    await chmod(dir, 0o755);
    ports = {};
    for (const name of PORT_VARIABLES) ports[name] = await freePort();
    const {
      DATABASE_URL: _db,
      PUBSUB_EMULATOR_HOST: _emulator,
      HUBSPOT_ACCESS_TOKEN: _token,
      HUBSPOT_BASE_PATH: _base,
      JWT_SECRET: _jwt,
      JWKS_URL: _jwks,
      ...inherited
    } = process.env;
    env = {
      ...inherited,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      // Never the developer's .data/: the sandbox's state file goes beside this directory.
      LOCAL_PG_DATA: path.join(dir, 'postgres'),
      LOG_LEVEL: 'WARNING',
    };
  });

  afterAll(async () => {
    // Only after a failure is anything left: stop it the way a developer would, then make sure.
    if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
      stack.child.kill('SIGINT');
      await Promise.race([once(stack.child, 'exit'), new Promise((r) => setTimeout(r, 15_000).unref())]);
    }
    const live = processTable();
    for (const pid of seen) if (live.has(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const remember = (running: RunningStack) => {
    for (const pid of processTree(running.child.pid!)) seen.add(pid);
  };

  it('syncs both ways, restarts on its own data, and leaves nothing behind when killed', async () => {
    const sandbox = createControlClient(`http://127.0.0.1:${ports.HUBSPOT_SANDBOX_PORT}`);

    // First run: WARP -> HubSpot, then a person's edit in HubSpot -> WARP.
    stack = await startStack(env);
    remember(stack);
    expect(stack.api).toBe(`http://127.0.0.1:${ports.PORT}/v1`);
    const first = await createCustomer(stack, 'Smoke First Telecom');
    const firstCompany = await linkedCompany(stack, first.id);
    await companyShows(sandbox, firstCompany, { name: 'Smoke First Telecom', warp_ban: first.ban });
    await sandbox.editAsUser(firstCompany, { warp_credit_limit: '25000' });
    const running = stack;
    await waitFor(
      async () => Number((await api(running, 'GET', `/customers/${first.id}`)).body.data.credit_limit) === 25_000,
      'the HubSpot edit to reach WARP',
      15_000,
    );

    stack.child.kill('SIGINT');
    const [code] = await Promise.race([
      once(stack.child, 'exit'),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('npm start did not exit within 20 s of SIGINT')), 20_000).unref(),
      ),
    ]);
    expect(code).toBe(0);

    // Second run on the same data: the sandbox remembers its companies, so a new one gets a new id.
    stack = await startStack(env);
    remember(stack);
    const second = await createCustomer(stack, 'Smoke Second Telecom');
    const secondCompany = await linkedCompany(stack, second.id);
    expect(secondCompany).not.toBe(firstCompany);
    await companyShows(sandbox, secondCompany, { name: 'Smoke Second Telecom', warp_ban: second.ban });
    const firstAgain = (await api(stack, 'GET', `/customers/${first.id}`)).body.data;
    expect(firstAgain.external_ids.hubspot_company_id).toBe(firstCompany);
    expect(Number(firstAgain.credit_limit)).toBe(25_000);

    // SIGKILL runs no handler: the watchdog must take postgres, the emulator and the rest along.
    const tree = processTree(stack.child.pid!);
    const commands = commandLines(tree).join('\n');
    for (const part of ['watchdog.mjs', 'bin/postgres', 'cloud-pubsub-emulator']) expect(commands).toContain(part);
    stack.child.kill('SIGKILL');
    const left = await waitFor(
      async () => {
        const live = processTable();
        const remaining = tree.filter((pid) => live.has(pid));
        return remaining.length === 0 && remaining;
      },
      'every process of the killed stack to exit',
      20_000,
    );
    expect(left).toEqual([]);
    for (const port of Object.values(ports)) expect(await portFree(port), `port ${port} free`).toBe(true);
  }, 120_000);
});
