import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.js';
import type { HubspotSyncLogTable } from '../db/tables/hubspot-sync.js';
import { bigIdSchema, idCursor, isoDate, limitParam, pageById, pageSchema, single } from './paging.js';
import { customerIdSchema } from '../customers/query-schemas.js';

export const SYNC_LOG_STATUSES = ['SUCCESS', 'FAILED', 'SKIPPED', 'CONFLICT', 'RETRYING'] as const;
const SYNC_LOG_DIRECTIONS = ['WARP_TO_HUBSPOT', 'HUBSPOT_TO_WARP', 'NONE'] as const;
export const SYNC_LOG_PAGE_SIZE = 50;

export const syncLogQuerySchema = z.object({
  customerId: customerIdSchema.optional(),
  status: z.enum(SYNC_LOG_STATUSES).optional(),
  operation: single.regex(/^[A-Z_]{1,40}$/, 'must be an operation name such as PUSH or RESOLVE_CONFLICT').optional(),
  since: isoDate.transform((s) => new Date(s)).optional(),
  limit: limitParam(SYNC_LOG_PAGE_SIZE, 200),
  cursor: idCursor.optional(),
});
export type SyncLogQuery = z.output<typeof syncLogQuerySchema>;

export const syncLogEntrySchema = z.object({
  id: bigIdSchema,
  customerId: z.string().nullable(),
  hubspotCompanyId: z.string().nullable(),
  direction: z.enum(SYNC_LOG_DIRECTIONS),
  operation: z.string(),
  status: z.enum(SYNC_LOG_STATUSES),
  /** Per WARP field: what the operation did to it (values, reason, who). */
  fields: z.record(z.string(), z.unknown()),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  outboxId: z.string().nullable(),
  webhookEventId: z.string().nullable(),
  reconciliationRunId: z.string().nullable(),
  traceId: z.string().nullable(),
  createdAt: isoDate,
});
export const syncLogPageSchema = pageSchema(syncLogEntrySchema);
export type SyncLogPage = z.output<typeof syncLogPageSchema>;

/**
 * Newest first by id (log ids grow with time), keyset-paged: each page is an index range scan
 * from the cursor (hubspot_sync_log_customer_id_idx / _status_id_idx / the primary key), so page
 * 1,000 costs what page 1 does.
 */
export async function listSyncLog(db: DbOrTx, query: SyncLogQuery): Promise<SyncLogPage> {
  const page = await pageById(
    db
      .selectFrom('hubspot_sync_log')
      .selectAll()
      .$if(query.customerId !== undefined, (q) => q.where('customer_id', '=', query.customerId!))
      .$if(query.status !== undefined, (q) => q.where('status', '=', query.status!))
      .$if(query.operation !== undefined, (q) => q.where('operation', '=', query.operation!))
      .$if(query.since !== undefined, (q) => q.where('created_at', '>=', query.since!)),
    query,
    'desc',
  );
  return { items: page.rows.map(logEntryView), nextCursor: page.nextCursor };
}

function logEntryView(r: Selectable<HubspotSyncLogTable>): z.output<typeof syncLogEntrySchema> {
  return {
    id: r.id,
    customerId: r.customer_id,
    hubspotCompanyId: r.hubspot_company_id,
    direction: r.direction,
    operation: r.operation,
    status: r.status,
    fields: r.fields,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    outboxId: r.outbox_id,
    webhookEventId: r.webhook_event_id,
    reconciliationRunId: r.reconciliation_run_id,
    traceId: r.trace_id,
    createdAt: r.created_at.toISOString(),
  };
}
