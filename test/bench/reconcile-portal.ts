/**
 * The reconcile bench's portal, in a process of its own: the HubSpot sandbox (100,000 companies
 * with their history) and the seeding of it and of the database, so neither weighs on the measured
 * reconcile instance. `clock` sets the sandbox's clock away from real time (seeded data and the
 * changes made before the FULL run are then older than an incremental run's look-back).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createControlClient } from '../../dev/hubspot-sandbox/control-client.js';
import { startSandbox } from '../../dev/hubspot-sandbox/sandbox.js';
import { createDb } from '../../shared/db/database.js';
import { forkBenchChild, isBenchChild, serveBenchParent } from './bench-child.js';
import { seedLinkedPortal } from './reconcile-seed.js';

const portalSchema = z.object({ url: z.string(), token: z.string(), readToken: z.string(), appId: z.number() });
export type PortalAddress = z.output<typeof portalSchema>;

const requestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clock'), offsetMs: z.number() }),
  z.object({ kind: z.literal('seed'), databaseUrl: z.string(), size: z.number().int().positive(), at: z.iso.datetime() }),
]);

export type PortalProcess = Awaited<ReturnType<typeof startPortalProcess>>;

export async function startPortalProcess() {
  const child = await forkBenchChild(fileURLToPath(import.meta.url));
  const address = portalSchema.parse(child.ready);
  const ask = (request: z.input<typeof requestSchema>) => child.ask(request);
  return {
    ...address,
    control: createControlClient(address.url),
    /** Moves the sandbox's clock `ms` away from real time (negative: into the past). */
    setClockOffset: (offsetMs: number) => ask({ kind: 'clock', offsetMs }),
    /** `size` customers linked to as many companies, in sync, created and agreed at `at`. */
    seed: (databaseUrl: string, size: number, at: Date) => ask({ kind: 'seed', databaseUrl, size, at: at.toISOString() }),
    rssMb: child.rssMb,
    close: child.close,
  };
}

if (isBenchChild()) {
  let offsetMs = 0;
  const rateLimits = { tenSecondLimit: 100, dailyLimit: 1_000_000 };
  const sandbox = await startSandbox({ port: 0, rateLimits, now: () => Date.now() + offsetMs });
  const handle = async (message: unknown) => {
    const request = requestSchema.parse(message);
    if (request.kind === 'clock') {
      offsetMs = request.offsetMs;
      return;
    }
    // Seeding 100,000 rows in one statement outlasts the functions' 10 s statement timeout.
    const db = createDb({ connectionString: request.databaseUrl, maxConnections: 2, statementTimeoutMs: 300_000 });
    try {
      await seedLinkedPortal(db, sandbox.control, request.size, new Date(request.at));
    } finally {
      await db.destroy();
    }
  };
  const address: PortalAddress = { url: sandbox.url, token: sandbox.token, readToken: sandbox.readToken, appId: sandbox.appId };
  serveBenchParent(address, handle, () => sandbox.close());
}
