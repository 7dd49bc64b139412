import { inTransaction } from '../db/database.js';
import { HubspotError } from '../hubspot/client/errors.js';
import { completeOutboxRows, type ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import { lastId } from './customer-work.js';
import { syncClaimedRows, type SyncBatchDeps, type SyncBatchResult } from './sync-claimed-rows.js';
import { insertSyncLog } from '../sync-store/sync-log-repository.js';

/**
 * syncClaimedRows, except that a HubSpot error retrying cannot cure (a 4xx the adapter could not
 * pin on one input, e.g. on the history read) does not fail the whole batch: the batch is halved
 * by customer and each half synced on its own, down to the single customers HubSpot refuses,
 * whose rows fail for good; every other customer syncs. k such customers among n cost about
 * 2k log2(n) extra batches. Retryable errors propagate (the caller hands the rows back).
 */
export async function syncIsolatingFailures(
  deps: SyncBatchDeps,
  rows: readonly ClaimedOutboxRow[],
  traceId?: string,
): Promise<SyncBatchResult> {
  try {
    return await syncClaimedRows(deps, rows, traceId);
  } catch (err) {
    if (!(err instanceof HubspotError) || err.retryable) throw err;
    const customers = [...new Set(rows.map((r) => r.customerId))];
    if (customers.length === 1) return failForGood(deps, rows, err, traceId);
    const firstHalf = new Set(customers.slice(0, Math.ceil(customers.length / 2)));
    deps.log.warn('HubSpot refused a batch; syncing its halves apart to find the customers it refuses', {
      customers: customers.length,
      err,
    });
    const left = await syncIsolatingFailures(
      deps,
      rows.filter((r) => firstHalf.has(r.customerId)),
      traceId,
    );
    const right = await syncIsolatingFailures(
      deps,
      rows.filter((r) => !firstHalf.has(r.customerId)),
      traceId,
    );
    return {
      customers: left.customers + right.customers,
      hubspotWrites: left.hubspotWrites + right.hubspotWrites,
      warpWrites: left.warpWrites + right.warpWrites,
      failedCustomers: left.failedCustomers + right.failedCustomers,
    };
  }
}

/** One customer HubSpot refuses on its own: logged and its rows FAILED, not retried. */
async function failForGood(
  deps: SyncBatchDeps,
  rows: readonly ClaimedOutboxRow[],
  err: HubspotError,
  traceId?: string,
): Promise<SyncBatchResult> {
  const customerId = rows[0]!.customerId;
  await inTransaction(deps.db, async (tx) => {
    await insertSyncLog(tx, [
      {
        customer_id: customerId,
        outbox_id: lastId(rows),
        trace_id: traceId ?? null,
        direction: 'WARP_TO_HUBSPOT',
        operation: 'SYNC',
        status: 'FAILED',
        error_code: err.name,
        error_message: err.message.slice(0, 2000),
      },
    ]);
    await completeOutboxRows(
      tx,
      rows.map((r) => r.id),
      `${err.name}: ${err.message}`,
    );
  });
  deps.log.error('HubSpot refused the sync of a customer; not retried', { customerId, err });
  return { customers: 1, hubspotWrites: 0, warpWrites: 0, failedCustomers: 1 };
}
