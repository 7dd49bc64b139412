import { createCallCounter, createHubspotClient } from '../../../shared/hubspot/client/index.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createReconcileHandler } from '../../../shared/reconciliation/reconcile-handler.js';
import type { ReconcileDeps } from '../../../shared/reconciliation/run-reconciliation.js';
import { startPullBridge } from '../../../dev/local/pubsub-pull-bridge.js';
import type { MessageDelivery } from '../../../dev/local/pubsub-delivery.js';
import { CLAIM_LEASE_MS, startFieldSyncHarness, waitFor, type FieldSyncHarness } from '../outbound-sync/field-sync-harness.js';

/**
 * The field-sync harness (PostgreSQL, sandbox without webhooks: every HubSpot edit's webhook is
 * "lost", the emulator, the real worker) plus the reconcile function fed by its own subscription,
 * with its own HubSpot client so a run's calls can be counted.
 */
export interface ReconcileHarness {
  sync: FieldSyncHarness;
  /** Every line the reconcile function logged, parsed. */
  logs: Array<Record<string, unknown>>;
  /** `companies` replaces only the methods it has. */
  deps(overrides?: DepsOverrides): ReconcileDeps;
  startReconciler(overrides?: DepsOverrides & { maxMessages?: number }): Promise<MessageDelivery>;
  /** Publishes a request as `gcloud pubsub topics publish --message=...` would; returns its message id. */
  request(message: unknown): Promise<string>;
  /** The run started for a message, once it is no longer RUNNING. */
  finishedRun(messageId: string, timeoutMs?: number): Promise<RunRow>;
  /** Resolves with the first log line for which `match` holds. */
  logLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

interface DepsOverrides {
  companies?: Partial<ReconcileDeps['companies']>;
  chunkSize?: number;
  searchPageSize?: number;
}

export interface RunRow {
  id: string;
  trigger: string;
  customer_id: string | null;
  status: string;
  customers_checked: number;
  customers_changed: number;
  hubspot_calls: number;
  errors: number;
  error: string | null;
  cursor: string | null;
}

export async function startReconcileHarness(): Promise<ReconcileHarness> {
  const sync = await startFieldSyncHarness();
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'DEBUG', sink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const calls = createCallCounter();
  const hubspot = createHubspotClient(
    {
      basePath: sync.sandbox.url,
      budget: { key: 'test', maxPerWindow: 90 },
      retry: { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 5_000 },
    },
    { db: sync.database.db, logger: log, accessToken: sync.sandbox.token, onCall: calls.onCall },
  );
  const bridges: MessageDelivery[] = [];

  const deps: ReconcileHarness['deps'] = (overrides = {}) => ({
    db: sync.database.db,
    companies: { ...hubspot.companies, ...overrides.companies },
    hubspotCalls: () => calls.total,
    outbox: { db: sync.database.db, publisher: sync.publisher, topic: sync.names.outboxTopic },
    log,
    // No overlap: the tests tell runs apart by what changed between them.
    options: {
      chunkSize: overrides.chunkSize ?? 1000,
      overlapMs: 0,
      searchPageSize: overrides.searchPageSize ?? 200,
      claimLeaseMs: CLAIM_LEASE_MS,
    },
  });

  return {
    sync,
    logs,
    deps,
    async startReconciler(overrides = {}) {
      const handlerDeps = deps(overrides);
      const bridge = await startPullBridge({
        pubsub: sync.pubsub,
        subscription: sync.names.reconcileSubscription,
        handler: createReconcileHandler(async () => handlerDeps),
        maxMessages: overrides.maxMessages ?? 4,
      });
      bridges.push(bridge);
      return bridge;
    },
    request: (message) =>
      sync.pubsub
        .topic(sync.names.reconcileTopic)
        .publishMessage({ data: Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)) }),
    finishedRun: (messageId, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const rows = await sync.database.db.selectFrom('hubspot_reconciliation_runs').selectAll().orderBy('id').execute();
          const run = rows.find((r) => (JSON.parse(r.cursor ?? '{}') as { messageId?: string }).messageId === messageId);
          return run && run.status !== 'RUNNING' ? run : undefined;
        },
        `run of message ${messageId}`,
        timeoutMs,
      ),
    logLine: (match, timeoutMs = 20_000) => waitFor(async () => logs.find(match), 'log line', timeoutMs),
    async close() {
      await Promise.all(bridges.map((b) => b.close()));
      await sync.close();
    },
  };
}

/**
 * The run of a request that fails once: its failure logged, Pub/Sub's redelivery resuming the same
 * run from its cursor, and the run it ends as (SUCCEEDED), with the failed run's id to compare.
 */
export async function runResumedAfterFailure(h: ReconcileHarness, messageId: string) {
  const failure = await h.logLine((l) => l.message === 'reconciliation run failed');
  const run = await waitFor(async () => {
    const r = await h.finishedRun(messageId);
    return r.status === 'SUCCEEDED' ? r : undefined;
  }, 'the resumed run to succeed');
  await h.logLine((l) => l.message === 'reconciliation run resumed' && l.runId === run.id);
  return { run, failedRunId: failure.runId };
}

/** RESYNC rows a run enqueued. */
export function rowsOfRun(h: ReconcileHarness, runId: string) {
  return h.sync.database.db
    .selectFrom('hubspot_sync_queue')
    .select(['id', 'customer_id', 'operation', 'origin', 'changed_fields', 'status', 'published_at'])
    .where('changed_by', '=', `reconciliation-run:${runId}`)
    .orderBy('customer_id')
    .execute();
}
