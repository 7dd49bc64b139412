import type { FieldSyncConfig } from '../../shared/config/field-sync-config.js';
import type { FieldSyncDeps } from '../../shared/outbound-sync/handle-outbox-message.js';
import { budgetWaitForLease } from '../../shared/outbound-sync/sync-deadline.js';
import { createHubspotClient, RATE_BUDGET_DEFAULTS } from '../../shared/hubspot/client/index.js';
import { workerRuntime } from '../../shared/runtime/worker-runtime.js';

/** The worker's dependencies for its configuration; nothing connects before the first use. */
export function buildFieldSyncDeps(config: FieldSyncConfig): FieldSyncDeps {
  const { db, log } = workerRuntime(config, 'field-sync');
  const { accessToken, appId, client } = config.hubspot;
  const { workerId, batchCustomers, claimLeaseMs, retryDelayMs, matchNewCustomers } = config.fieldSync;
  // A batch holds its claim while it waits for the shared budget: keep each wait well inside the lease.
  const maxWaitMs = budgetWaitForLease(claimLeaseMs, client.budget.maxWaitMs ?? RATE_BUDGET_DEFAULTS.maxWaitMs);
  const hubspot = createHubspotClient({ ...client, budget: { ...client.budget, maxWaitMs } }, { db, logger: log, accessToken });
  return {
    db,
    companies: hubspot.companies,
    log,
    options: { workerId, maxCustomers: batchCustomers, leaseMs: claimLeaseMs, retryDelayMs, hubspotAppId: appId, matchNewCustomers },
  };
}
