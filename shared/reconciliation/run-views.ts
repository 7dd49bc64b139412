import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.js';
import type { HubspotReconciliationRunsTable } from '../db/tables/hubspot-sync.js';
import { AppError } from '../errors/app-error.js';
import { bigIdSchema, idCursor, isoDate, limitParam, pageById, pageSchema } from '../sync-ops/paging.js';
import { parseCursor } from './run-cursor.js';
import { customerIdSchema } from '../customers/query-schemas.js';

/** A run's life, the same for reconciliation and match runs. */
export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
const DECISIONS = ['push', 'pull', 'put_back', 'conflict', 'none'] as const;

export const runIdParams = z.strictObject({ id: bigIdSchema });

export const runListQuerySchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  limit: limitParam(20, 100),
  cursor: idCursor.optional(),
});
export type RunListQuery = z.output<typeof runListQuerySchema>;

export const diffQuerySchema = z.strictObject({
  decision: z.enum(DECISIONS).optional(),
  customerId: customerIdSchema.optional(),
  limit: limitParam(100, 500),
  cursor: idCursor.optional(),
});
export type DiffQuery = z.output<typeof diffQuerySchema>;

export const runViewSchema = z.object({
  id: bigIdSchema,
  status: z.enum(RUN_STATUSES),
  /** INCREMENTAL or FULL over all customers; null for a run over listed customers or one customer. */
  mode: z.enum(['INCREMENTAL', 'FULL']).nullable(),
  /** The customers a run over a list or one customer was asked for. */
  customerIds: z.array(z.string()).nullable(),
  dryRun: z.boolean(),
  trigger: z.enum(['SCHEDULER', 'OPERATOR']),
  /** The API caller's user id; null for a Pub/Sub request. */
  startedBy: z.string().nullable(),
  startedAt: isoDate,
  finishedAt: isoDate.nullable(),
  counts: z.object({ checked: z.number().int(), changed: z.number().int(), hubspotCalls: z.number().int(), errors: z.number().int() }),
  progress: z.object({
    /** Known once the run has started; a HubSpot pass adds the customers it finds. */
    customersTotal: z.number().int().nullable(),
    customersChecked: z.number().int(),
    percent: z.number().nullable(),
    /** Extrapolated from the pace so far, while the run is RUNNING. */
    estimatedFinishAt: isoDate.nullable(),
  }),
  error: z.string().nullable(),
});
export type RunView = z.output<typeof runViewSchema>;
export const runPageSchema = pageSchema(runViewSchema);

export const diffEntrySchema = z.object({
  id: bigIdSchema,
  customerId: z.string(),
  warpField: z.string(),
  hubspotProperty: z.string(),
  /** Canonical values, as the planner compares them. */
  warpValue: z.string().nullable(),
  hubspotValue: z.string().nullable(),
  decision: z.enum(DECISIONS),
  /** The planner's reason: WARP_CHANGED, HUBSPOT_CHANGED, OWNER_WINS, LATEST_WINS, MANUAL, IN_SYNC, ... */
  reason: z.string(),
});
export const diffPageSchema = pageSchema(diffEntrySchema);

type RunRow = Selectable<HubspotReconciliationRunsTable>;

export async function getRun(db: DbOrTx, id: string, now = new Date()): Promise<RunView> {
  const row = await db.selectFrom('hubspot_reconciliation_runs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'No such reconciliation run', { id });
  return runView(row, now);
}

/** The newest run, of dry runs or of real ones; null before the first. */
export async function lastRun(db: DbOrTx, { dryRun }: { dryRun: boolean }, now = new Date()): Promise<RunView | null> {
  const row = await db
    .selectFrom('hubspot_reconciliation_runs')
    .selectAll()
    .where('dry_run', '=', dryRun)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? runView(row, now) : null;
}

/** Newest first, keyset on id. */
export async function listRuns(db: DbOrTx, query: RunListQuery, now = new Date()): Promise<z.output<typeof runPageSchema>> {
  const runs = db.selectFrom('hubspot_reconciliation_runs').selectAll();
  const page = await pageById(
    runs.$if(query.status !== undefined, (q) => q.where('status', '=', query.status!)),
    query,
    'desc',
  );
  return { items: page.rows.map((r) => runView(r, now)), nextCursor: page.nextCursor };
}

/** A dry run's report in the order it was written (customer by customer), keyset on id. */
export async function listDiff(db: DbOrTx, runId: string, query: DiffQuery): Promise<z.output<typeof diffPageSchema>> {
  const run = await db.selectFrom('hubspot_reconciliation_runs').select('dry_run').where('id', '=', runId).executeTakeFirst();
  if (!run) throw new AppError('NOT_FOUND', 'No such reconciliation run', { id: runId });
  if (!run.dry_run) throw new AppError('NOT_FOUND', 'Only a dry run has a diff report', { id: runId });
  const page = await pageById(
    db
      .selectFrom('hubspot_reconciliation_diffs')
      .selectAll()
      .where('run_id', '=', runId)
      .$if(query.decision !== undefined, (q) => q.where('decision', '=', query.decision!))
      .$if(query.customerId !== undefined, (q) => q.where('customer_id', '=', query.customerId!)),
    query,
    'asc',
  );
  return {
    items: page.rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      warpField: r.warp_field,
      hubspotProperty: r.hubspot_property,
      warpValue: r.warp_value,
      hubspotValue: r.hubspot_value,
      decision: r.decision,
      reason: r.reason,
    })),
    nextCursor: page.nextCursor,
  };
}

function runView(row: RunRow, now: Date): RunView {
  const request = parseCursor(row.cursor)?.request;
  const total = row.customers_total;
  const checked = row.customers_checked;
  const percent = total === null ? null : total === 0 ? 100 : Math.min(100, Math.round((checked / total) * 1000) / 10);
  return {
    id: row.id,
    status: row.status,
    mode: request && 'all' in request ? request.mode : null,
    customerIds:
      request && 'customerIds' in request ? request.customerIds : request && 'customerId' in request ? [request.customerId] : null,
    dryRun: row.dry_run,
    trigger: row.trigger,
    startedBy: row.started_by,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    counts: { checked, changed: row.customers_changed, hubspotCalls: row.hubspot_calls, errors: row.errors },
    progress: { customersTotal: total, customersChecked: checked, percent, estimatedFinishAt: estimatedFinish(row, now) },
    error: row.error,
  };
}

function estimatedFinish(row: RunRow, now: Date): string | null {
  const { customers_total: total, customers_checked: checked } = row;
  if (row.status !== 'RUNNING' || total === null || checked === 0) return null;
  const elapsed = Math.max(0, now.getTime() - row.started_at.getTime());
  return new Date(now.getTime() + (elapsed / checked) * Math.max(0, total - checked)).toISOString();
}
