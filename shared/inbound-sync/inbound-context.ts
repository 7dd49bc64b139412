import type { Tx } from '../db/database.js';
import type { SyncLogDirection, SyncLogStatus } from '../db/tables/hubspot-sync.js';
import { insertSyncLog, type NewSyncLogEntry } from '../sync-store/sync-log-repository.js';
import type { Logger } from '../logging/logger.js';
import type { HubspotWebhookEvent } from '../webhooks/event-schema.js';
import { enqueueResync } from './resync-requests.js';

/** One event being applied, inside the transaction that records its outcome. */
export interface InboundContext {
  tx: Tx;
  event: HubspotWebhookEvent;
  webhookEventId: string;
  occurredAt: Date;
  now: Date;
  log: Logger;
  traceId?: string;
  /** This delivery is the last before the dead-letter limit: waiting for a retry is no option. */
  lastAttempt: boolean;
  /** Outbox rows enqueued by this event, published once it commits. */
  resyncIds: string[];
}

export async function requestResync(ctx: InboundContext, customerId: string, fields: readonly string[] = []): Promise<string> {
  const id = await enqueueResync(ctx.tx, customerId, fields, ctx.now);
  ctx.resyncIds.push(id);
  return id;
}

export interface EventLogEntry {
  customerId: string;
  companyId: string | null;
  direction: SyncLogDirection;
  operation: string;
  status: SyncLogStatus;
  fields?: NewSyncLogEntry['fields'];
  errorCode?: string;
  errorMessage?: string;
  outboxId?: string;
}

/** Sync log rows caused by this event (webhook_event_id points back at it). */
export async function logForEvent(ctx: InboundContext, entries: readonly EventLogEntry[]): Promise<void> {
  await logRowsForEvent(
    ctx,
    entries.map((e) => ({
      customer_id: e.customerId,
      hubspot_company_id: e.companyId,
      direction: e.direction,
      operation: e.operation,
      status: e.status,
      fields: e.fields ?? {},
      error_code: e.errorCode ?? null,
      error_message: e.errorMessage ?? null,
      outbox_id: e.outboxId ?? null,
    })),
  );
}

/** Sync log rows built elsewhere (e.g. by field-sync's shared steps), tied to this event. */
export async function logRowsForEvent(
  ctx: InboundContext,
  rows: readonly Omit<NewSyncLogEntry, 'webhook_event_id' | 'trace_id'>[],
): Promise<void> {
  await insertSyncLog(
    ctx.tx,
    rows.map((row) => ({ ...row, webhook_event_id: ctx.webhookEventId, trace_id: ctx.traceId ?? null })),
  );
}
