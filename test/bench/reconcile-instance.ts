/**
 * The measured side of the reconcile bench, in a process of its own with the heap a small instance
 * gives Node: the reconcile worker and the field-sync instances its RESYNCs are delivered to, as
 * functions/ builds them (their config loaders, production defaults, one shared rate budget).
 * Requests: `start`; `run` (one reconcile request, answered once the run has finished); `calls`
 * (HubSpot calls by method since the last `calls`); `memory` (greatest RSS and heap since the last).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadFieldSyncConfig } from '../../shared/config/field-sync-config.js';
import { loadReconcileConfig } from '../../shared/config/reconcile-config.js';
import { createDb, type Db } from '../../shared/db/database.js';
import { createCallCounter, createHubspotClient, RATE_BUDGET_DEFAULTS } from '../../shared/hubspot/client/index.js';
import { createLogger } from '../../shared/logging/logger.js';
import type { FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import { budgetWaitForLease } from '../../shared/outbound-sync/sync-deadline.js';
import { reconcileRequestSchema } from '../../shared/reconciliation/reconcile-request.js';
import { reconcile, type ReconcileDeps } from '../../shared/reconciliation/run-reconciliation.js';
import { forkBenchChild, isBenchChild, serveBenchParent } from './bench-child.js';
import { deliverToFieldSync } from './in-process-delivery.js';
import type { PortalAddress } from './reconcile-portal.js';
import { createCallsByMethod, sampleMemory } from './reconcile-probes.js';

/** Old space for a 256 MB instance: the rest is code, buffers and the young generation. */
const HEAP_FLAGS = ['--max-old-space-size=128'];

const portalSchema = z.object({ url: z.string(), token: z.string(), readToken: z.string(), appId: z.number() });
const startSchema = z.object({ databaseUrl: z.string(), portal: portalSchema, instances: z.number() });
const requestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('start'), ...startSchema.shape }),
  z.object({ kind: z.literal('run'), request: reconcileRequestSchema, messageId: z.string() }),
  z.object({ kind: z.literal('calls') }),
  z.object({ kind: z.literal('memory') }),
]);
const outcomeSchema = z.object({ kind: z.string(), runId: z.string().optional() });
const callsSchema = z.record(z.string(), z.number());
const memorySchema = z.object({ maxRssMb: z.number(), maxHeapUsedMb: z.number() });

export type ReconcileInstance = Awaited<ReturnType<typeof startReconcileInstance>>;

export async function startReconcileInstance(databaseUrl: string, portal: PortalAddress, instances: number) {
  const child = await forkBenchChild(fileURLToPath(import.meta.url), HEAP_FLAGS);
  await child.ask({ kind: 'start', databaseUrl, portal, instances });
  return {
    run: async (request: z.input<typeof reconcileRequestSchema>, messageId: string) =>
      outcomeSchema.parse(await child.ask({ kind: 'run', request, messageId })),
    calls: async () => callsSchema.parse(await child.ask({ kind: 'calls' })),
    memory: async () => memorySchema.parse(await child.ask({ kind: 'memory' })),
    close: child.close,
  };
}

const silent = createLogger({ level: 'CRITICAL', sink: () => undefined });
const noSecretManager = { read: (name: string) => Promise.reject(new Error(`the bench reads no secrets (${name})`)) };

async function buildInstance({ databaseUrl, portal, instances }: z.output<typeof startSchema>) {
  const db = createDb({ connectionString: databaseUrl, maxConnections: 16 });
  const common = {
    DATABASE_URL: databaseUrl,
    HUBSPOT_BASE_PATH: portal.url,
    HUBSPOT_BUDGET_KEY: 'bench',
    HUBSPOT_APP_ID: String(portal.appId),
  };
  const reconcileConfig = await loadReconcileConfig({ ...common, HUBSPOT_READ_TOKEN: portal.readToken }, noSecretManager);
  const fieldSyncConfig = await loadFieldSyncConfig({ ...common, HUBSPOT_ACCESS_TOKEN: portal.token }, noSecretManager);
  const calls = createCallsByMethod();
  const reconcilerCalls = createCallCounter();
  const reconcileClient = createHubspotClient(reconcileConfig.hubspot.client, {
    db,
    logger: silent,
    accessToken: portal.readToken,
    onCall: (event) => (reconcilerCalls.onCall(event), calls.onCall()),
  });
  const workers = workersOf(db, fieldSyncConfig, portal, calls);
  const reconcileDeps: ReconcileDeps = {
    db,
    companies: calls.wrap(reconcileClient.companies),
    hubspotAppId: String(portal.appId),
    hubspotCalls: () => reconcilerCalls.total,
    outbox: { db, publisher: deliverToFieldSync(workers, instances), topic: reconcileConfig.outboxTopic },
    log: silent,
    options: reconcileConfig.reconcile,
  };
  return { db, reconcileDeps, calls };
}

type FieldSyncConfig = Awaited<ReturnType<typeof loadFieldSyncConfig>>;

/** The field-sync instances' dependencies, as functions/field-sync builds them. */
function workersOf(db: Db, config: FieldSyncConfig, portal: PortalAddress, calls: ReturnType<typeof createCallsByMethod>) {
  const { client } = config.hubspot;
  const { fieldSync } = config;
  // A batch holds its claim while it waits for the shared budget: keep each wait well inside the lease.
  const maxWaitMs = budgetWaitForLease(fieldSync.claimLeaseMs, client.budget.maxWaitMs ?? RATE_BUDGET_DEFAULTS.maxWaitMs);
  const hubspot = createHubspotClient(
    { ...client, budget: { ...client.budget, maxWaitMs } },
    { db, logger: silent, accessToken: portal.token, onCall: calls.onCall },
  );
  const companies = calls.wrap(hubspot.companies);
  return (n: number): FieldSyncDeps => ({
    db,
    companies,
    log: silent,
    options: {
      workerId: `bench-${n}`,
      maxCustomers: fieldSync.batchCustomers,
      leaseMs: fieldSync.claimLeaseMs,
      retryDelayMs: fieldSync.retryDelayMs,
      hubspotAppId: String(portal.appId),
    },
  });
}

if (isBenchChild()) {
  let instance: Awaited<ReturnType<typeof buildInstance>> | undefined;
  let memory = sampleMemory();
  const handle = async (message: unknown) => {
    const request = requestSchema.parse(message);
    switch (request.kind) {
      case 'start':
        instance = await buildInstance(request);
        return;
      case 'run':
        return reconcile(instance!.reconcileDeps, request.request, request.messageId);
      case 'calls':
        return instance!.calls.take();
      case 'memory': {
        const measured = memory.stop();
        memory = sampleMemory();
        return measured;
      }
    }
  };
  serveBenchParent({ ready: true }, handle, async () => {
    memory.stop();
    await instance?.db.destroy();
  });
}
