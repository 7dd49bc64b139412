import { sql } from 'kysely';
import { inTransaction } from '../db/database.js';
import { lockCustomersForSync } from '../sync-store/customer-sync-lock.js';
import { completeOutboxRows, type ClaimedOutboxRow } from '../outbox/outbox-claims.js';
import { lastId } from './customer-work.js';
import type { SyncBatchDeps } from './sync-claimed-rows.js';
import { SYNC_ACTOR, type SyncCustomer } from '../sync-store/sync-customer-repository.js';
import { outboundEntry } from './sync-log-entries.js';
import { insertSyncLog, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';

/** A customer a person unlinked whose company still carries its `warp_ban`. */
export interface Detaching {
  customer: SyncCustomer;
  rows: ClaimedOutboxRow[];
}

/**
 * Carries unlinks to HubSpot: one batch update clears `warp_ban` on every company (so neither the
 * sync's upsert nor a company.creation webhook finds the customer through it again), then each
 * customer lets go of the company id. A company HubSpot no longer has needs no clearing. A value
 * HubSpot refuses fails that customer's rows, visibly; a transient HubSpot error propagates and
 * the rows are retried, the customer still holding the company until the clear succeeds.
 */
export async function detachCompanies(
  deps: Pick<SyncBatchDeps, 'db' | 'companies' | 'log' | 'now'>,
  detaching: readonly Detaching[],
  traceId?: string,
): Promise<void> {
  if (detaching.length === 0) return;
  const outcomes = await deps.companies.batchUpdate(
    detaching.map((d) => ({ id: d.customer.hubspot_company_id!, properties: { warp_ban: '' } })),
  );
  const outcomeOf = new Map(outcomes.map((o) => [o.id, o]));
  const now = deps.now();
  await inTransaction(deps.db, async (tx) => {
    await lockCustomersForSync(
      tx,
      detaching.map((d) => d.customer.id),
    );
    const logs: NewSyncLogEntry[] = [];
    for (const { customer, rows } of detaching) {
      const companyId = customer.hubspot_company_id!;
      const outcome = outcomeOf.get(companyId);
      const ctx = { customerId: customer.id, companyId, outboxId: lastId(rows), traceId };
      if (outcome?.status === 'INVALID' || !outcome) {
        const message = outcome?.error.message ?? 'no result from HubSpot';
        logs.push(outboundEntry(ctx, 'CLEAR_WARP_BAN', 'FAILED', 'HUBSPOT_VALIDATION', message));
        await completeOutboxRows(
          tx,
          rows.map((r) => r.id),
          `clearing warp_ban on company ${companyId} failed: ${message}`,
        );
        deps.log.error('unlinked customer: HubSpot refused to clear warp_ban on its old company', {
          customerId: customer.id,
          companyId,
          error: message,
        });
        continue;
      }
      await tx
        .updateTable('customers')
        .set({ hubspot_company_id: null, version: sql`version + 1`, updated_at: now, updated_by: SYNC_ACTOR })
        .where('id', '=', customer.id)
        .where('hubspot_link_status', '=', 'DETACHED')
        .where('hubspot_company_id', '=', companyId)
        .execute();
      logs.push({
        ...outboundEntry(ctx, 'CLEAR_WARP_BAN', 'SUCCESS', '', ''),
        error_code: null,
        error_message: null,
        fields: { warp_ban: { hubspotProperty: 'warp_ban', old: customer.ban, new: null } },
      });
      await completeOutboxRows(
        tx,
        rows.map((r) => r.id),
      );
    }
    await insertSyncLog(tx, logs);
  });
}
