import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import type { Env } from '../../shared/config/parse-env.js';
import { listenerOf } from './processes.js';
import { staleEmulatorGroup } from './pubsub-emulator.js';

export interface StackPort {
  service: string;
  port: number;
  /** The environment variable that moves it. */
  variable: string;
}

/** The loopback ports `npm start` will listen on with this environment (0 = any free port, not checked). */
export function stackPorts(env: Env): StackPort[] {
  const ports: StackPort[] = [];
  const add = (service: string, variable: string, fallback: number) => {
    const port = Number(env[variable] ?? fallback);
    if (port !== 0) ports.push({ service, port, variable });
  };
  if (!env.DATABASE_URL) add('embedded PostgreSQL', 'LOCAL_PG_PORT', 5433);
  if (!env.PUBSUB_EMULATOR_HOST) add('Pub/Sub emulator', 'PUBSUB_EMULATOR_PORT', 8085);
  if (!env.HUBSPOT_ACCESS_TOKEN) add('HubSpot sandbox', 'HUBSPOT_SANDBOX_PORT', 8090);
  add('customer API', 'PORT', 8080);
  add('webhook intake', 'WEBHOOK_PORT', 8081);
  return ports;
}

export class PortClashError extends Error {}

/**
 * Fails before anything starts, rather than minutes in with half a stack up, if a port is taken.
 * A Pub/Sub emulator left behind by an earlier stack whose process is gone is stopped instead.
 */
export async function assertStackPortsFree(env: Env): Promise<void> {
  const ports = stackPorts(env);
  const problems: string[] = [];
  for (const [i, p] of ports.entries()) {
    const twin = ports.slice(0, i).find((q) => q.port === p.port);
    if (twin) {
      problems.push(`${p.variable} and ${twin.variable} are both ${p.port}: give the ${p.service} another port.`);
      continue;
    }
    const refusal = await bindError(p.port);
    if (refusal === undefined) continue;
    if (refusal !== 'EADDRINUSE') {
      problems.push(`port ${p.port} (${p.service}) cannot be listened on (${refusal}): set ${p.variable} to another port.`);
      continue;
    }
    const holder = listenerOf(p.port);
    if (p.variable === 'PUBSUB_EMULATOR_PORT' && holder && (await reclaimStaleEmulator(holder.pid, p.port))) {
      console.error(`stopped a Pub/Sub emulator (pid ${holder.pid}) an earlier stack left on port ${p.port}`);
      continue;
    }
    const who = holder
      ? `by pid ${holder.pid} (${holder.command}); stop it (kill ${holder.pid})`
      : `by a process this user cannot see (try \`ss -ltnp 'sport = :${p.port}'\` as root); stop it`;
    problems.push(`port ${p.port} (${p.service}) is in use ${who} or set ${p.variable} to another port.`);
  }
  if (problems.length > 0) throw new PortClashError(['The local stack cannot start:', ...problems.map((l) => `  ${l}`)].join('\n'));
}

/**
 * Binds where the services will (127.0.0.1); on Linux this also fails when something holds the
 * port on 0.0.0.0. The error code (EADDRINUSE, EACCES for a privileged port, ...) or undefined.
 */
function bindError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

async function reclaimStaleEmulator(pid: number, port: number): Promise<boolean> {
  const group = staleEmulatorGroup(pid);
  if (group === undefined) return false;
  process.kill(-group, 'SIGKILL');
  const deadline = Date.now() + 1500;
  while (Date.now() < deadline) {
    if ((await bindError(port)) === undefined) return true;
    await sleep(50);
  }
  return false;
}
