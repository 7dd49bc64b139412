import { sql } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import { lastRun, runViewSchema } from '../reconciliation/run-views.js';
import { PURGED_TABLES } from '../retention/purge.js';
import { isoDate } from './paging.js';
import { scheduledJobSchema, type ScheduledJobReader } from './scheduled-job.js';

/** Work older than this means the pipeline is not keeping up (the relay ticks every minute). */
export const STALE_AFTER_SECONDS = 600;

/** The shared budget a status reads: the key the HubSpot clients use and the window they count over. */
export interface RateBudgetView {
  key: string;
  maxPerWindow: number;
  windowMs: number;
}

export interface SyncStatusDeps {
  db: DbOrTx;
  budget: RateBudgetView;
  /** Absent (locally): nextReconciliation is null. */
  scheduler?: ScheduledJobReader;
  log: Logger;
}

const backlogSchema = z.object({ count: z.number().int(), oldestAt: isoDate.nullable(), oldestAgeSeconds: z.number().nullable() });
const failedSchema = z.object({ count: z.number().int(), newestAt: isoDate.nullable() });
const bucketSchema = z.object({
  bucket: z.string(),
  callsInWindow: z.number().int(),
  blockedUntil: isoDate.nullable(),
  blockedReason: z.enum(['TEN_SECONDLY_ROLLING', 'SECONDLY', 'DAILY']).nullable(),
});

export const syncStatusSchema = z.object({
  healthy: z.boolean(),
  /** Why healthy is false; empty when it is true. */
  reasons: z.array(z.string()),
  checkedAt: isoDate,
  outbox: z.object({
    /** PENDING and PROCESSING rows: outbound work not done yet. */
    backlog: backlogSchema,
    /** Rows waiting out HubSpot's daily limit. */
    parked: z.number().int(),
    failed: failedSchema,
  }),
  webhookEvents: z.object({ unprocessed: backlogSchema, failed: failedSchema }),
  conflicts: z.object({ open: z.number().int(), oldestOpenedAt: isoDate.nullable() }),
  /** Customers whose link is neither UNLINKED nor LINKED (deleted company, unresolvable match), by status. */
  customersNeedingAttention: z.object({ count: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
  rateBudget: z.object({
    key: z.string(),
    limitPerWindow: z.number().int(),
    windowMs: z.number().int(),
    api: bucketSchema,
    search: bucketSchema,
    /** From HubSpot's daily-limit headers of a recent answer (null before the first); blockedReason DAILY says the limit was hit. */
    dailyCallsUsed: z.number().int().nullable(),
    dailyLimit: z.number().int().nullable(),
    /** When HubSpot last reported the daily figures; they reset at midnight in the account's time zone. */
    dailyObservedAt: isoDate.nullable(),
  }),
  /** What the relay tick's retention purge has removed, per table (empty until its first purge). */
  retention: z.array(z.object({ table: z.enum(PURGED_TABLES), rowsPurged: z.number().int(), lastPurgedAt: isoDate })),
  /** The newest run that reconciles (dry runs only report, so they say nothing about the sync's health). */
  lastReconciliation: runViewSchema.nullable(),
  /** From Cloud Scheduler; null when no job is configured (locally). */
  nextReconciliation: z.union([scheduledJobSchema, z.object({ name: z.string(), error: z.string() })]).nullable(),
});
export type SyncStatus = z.output<typeof syncStatusSchema>;

interface StatusRow {
  now: Date;
  outbox: Array<{ status: string; count: number; oldest: string }>;
  outbox_failed: number;
  outbox_failed_newest: Date | null;
  events_unprocessed: number;
  events_oldest: Date | null;
  events_failed: number;
  events_failed_newest: Date | null;
  conflicts_open: number;
  conflicts_oldest: Date | null;
  attention: Record<string, number> | null;
  retention: Array<{ table_name: string; rows_purged: string; last_purged_at: string }>;
  buckets: Array<{
    bucket: string;
    calls: number;
    blocked_until: string | null;
    blocked_reason: z.output<typeof bucketSchema>['blockedReason'];
    daily_limit: number | null;
    daily_remaining: number | null;
    daily_observed_at: string | null;
  }>;
}

/**
 * One statement, one round trip: every part reads a partial index (sql/0010) or a primary key,
 * so its cost follows the backlog and failures, not the size of the tables.
 */
async function readStatusRow(db: DbOrTx, budget: RateBudgetView): Promise<StatusRow> {
  const buckets = [`${budget.key}:api`, `${budget.key}:search`];
  const { rows } = await sql<StatusRow>`
    SELECT
      now() AS now,
      (SELECT coalesce(json_agg(json_build_object('status', status, 'count', n, 'oldest', oldest)), '[]')
         FROM (SELECT status, count(*)::int AS n, min(created_at) AS oldest FROM hubspot_sync_queue
                WHERE status IN ('PENDING', 'PROCESSING', 'PARKED') GROUP BY status) o) AS outbox,
      (SELECT count(*)::int FROM hubspot_sync_queue WHERE status = 'FAILED') AS outbox_failed,
      (SELECT coalesce(processed_at, created_at) FROM hubspot_sync_queue
        WHERE status = 'FAILED' ORDER BY id DESC LIMIT 1) AS outbox_failed_newest,
      (SELECT count(*)::int FROM hubspot_webhook_events WHERE status IN ('RECEIVED', 'PUBLISHED')) AS events_unprocessed,
      (SELECT min(received_at) FROM hubspot_webhook_events WHERE status IN ('RECEIVED', 'PUBLISHED')) AS events_oldest,
      (SELECT count(*)::int FROM hubspot_webhook_events WHERE status = 'FAILED') AS events_failed,
      (SELECT max(received_at) FROM hubspot_webhook_events WHERE status = 'FAILED') AS events_failed_newest,
      (SELECT count(*)::int FROM hubspot_field_state WHERE conflict_status = 'OPEN') AS conflicts_open,
      (SELECT min(conflict_opened_at) FROM hubspot_field_state WHERE conflict_status = 'OPEN') AS conflicts_oldest,
      (SELECT json_object_agg(hubspot_link_status, n)
         FROM (SELECT hubspot_link_status, count(*)::int AS n FROM customers
                WHERE hubspot_link_status NOT IN ('UNLINKED', 'LINKED') GROUP BY hubspot_link_status) a) AS attention,
      (SELECT coalesce(json_agg(r ORDER BY table_name), '[]') FROM retention_state r) AS retention,
      (SELECT coalesce(json_agg(json_build_object(
                'bucket', bucket,
                'calls', (SELECT count(*) FROM unnest(reserved_at_ms) t
                           WHERE t > floor(extract(epoch FROM clock_timestamp()) * 1000) - ${budget.windowMs}::int),
                'blocked_until', CASE WHEN blocked_until > now() THEN blocked_until END,
                'blocked_reason', CASE WHEN blocked_until > now() THEN blocked_reason END,
                'daily_limit', daily_limit, 'daily_remaining', daily_remaining, 'daily_observed_at', daily_observed_at)), '[]')
         FROM hubspot_rate_budget WHERE bucket = ANY(${buckets}::text[])) AS buckets
  `.execute(db);
  return rows[0]!;
}

const iso = (value: Date | string | null | undefined) => (value === null || value === undefined ? null : new Date(value).toISOString());

/** Is the sync healthy, with everything an operator looks at first. */
export async function syncStatus(deps: SyncStatusDeps): Promise<SyncStatus> {
  const [row, lastReconciliation, nextReconciliation] = await Promise.all([
    readStatusRow(deps.db, deps.budget),
    lastRun(deps.db, { dryRun: false }),
    readSchedule(deps),
  ]);
  const now = row.now.getTime();
  const ageOf = (at: string | null) => (at === null ? null : Math.max(0, Math.round((now - Date.parse(at)) / 1000)));
  const backlog = (count: number, oldest: Date | string | null | undefined) => {
    const oldestAt = iso(oldest);
    return { count, oldestAt, oldestAgeSeconds: ageOf(oldestAt) };
  };
  const outboxOf = (...statuses: string[]) => row.outbox.filter((o) => statuses.includes(o.status));
  const open = outboxOf('PENDING', 'PROCESSING');
  const oldestOpen = open.map((o) => o.oldest).sort()[0] ?? null;
  const bucketView = (bucket: string) => {
    const found = row.buckets.find((b) => b.bucket === bucket);
    return {
      bucket,
      callsInWindow: found?.calls ?? 0,
      blockedUntil: iso(found?.blocked_until),
      blockedReason: found?.blocked_reason ?? null,
    };
  };
  const attention = row.attention ?? {};
  const status: Omit<SyncStatus, 'healthy' | 'reasons'> = {
    checkedAt: row.now.toISOString(),
    outbox: {
      backlog: backlog(
        open.reduce((n, o) => n + o.count, 0),
        oldestOpen,
      ),
      parked: outboxOf('PARKED').reduce((n, o) => n + o.count, 0),
      failed: { count: row.outbox_failed, newestAt: iso(row.outbox_failed_newest) },
    },
    webhookEvents: {
      unprocessed: backlog(row.events_unprocessed, row.events_oldest),
      failed: { count: row.events_failed, newestAt: iso(row.events_failed_newest) },
    },
    conflicts: { open: row.conflicts_open, oldestOpenedAt: iso(row.conflicts_oldest) },
    customersNeedingAttention: { count: Object.values(attention).reduce((n, c) => n + c, 0), byStatus: attention },
    rateBudget: {
      key: deps.budget.key,
      limitPerWindow: deps.budget.maxPerWindow,
      windowMs: deps.budget.windowMs,
      api: bucketView(`${deps.budget.key}:api`),
      search: bucketView(`${deps.budget.key}:search`),
      ...dailyUsage(row.buckets.find((b) => b.bucket === `${deps.budget.key}:api`)),
    },
    retention: row.retention.map((r) => ({
      table: z.enum(PURGED_TABLES).parse(r.table_name),
      rowsPurged: Number(r.rows_purged),
      lastPurgedAt: new Date(r.last_purged_at).toISOString(),
    })),
    lastReconciliation,
    nextReconciliation,
  };
  const reasons = unhealthyReasons(status);
  return { healthy: reasons.length === 0, reasons, ...status };
}

function dailyUsage(api: StatusRow['buckets'][number] | undefined) {
  const limit = api?.daily_limit ?? null;
  const remaining = api?.daily_remaining ?? null;
  if (limit === null || remaining === null) return { dailyCallsUsed: null, dailyLimit: null, dailyObservedAt: null };
  return { dailyCallsUsed: Math.max(0, limit - remaining), dailyLimit: limit, dailyObservedAt: iso(api?.daily_observed_at) };
}

async function readSchedule(deps: SyncStatusDeps): Promise<SyncStatus['nextReconciliation']> {
  if (!deps.scheduler) return null;
  try {
    return await deps.scheduler.read();
  } catch (err) {
    deps.log.warn('could not read the reconciliation schedule from Cloud Scheduler', { job: deps.scheduler.jobName, err });
    return { name: deps.scheduler.jobName, error: 'Cloud Scheduler could not be read' };
  }
}

function unhealthyReasons(s: Omit<SyncStatus, 'healthy' | 'reasons'>): string[] {
  const reasons: string[] = [];
  const stale = (age: number | null) => age !== null && age > STALE_AFTER_SECONDS;
  if (stale(s.outbox.backlog.oldestAgeSeconds))
    reasons.push(`outbox backlog: the oldest pending change is ${s.outbox.backlog.oldestAgeSeconds} s old`);
  if (s.outbox.failed.count > 0) reasons.push(`${s.outbox.failed.count} outbox changes failed for good`);
  if (stale(s.webhookEvents.unprocessed.oldestAgeSeconds)) {
    reasons.push(`webhook events: the oldest unprocessed event is ${s.webhookEvents.unprocessed.oldestAgeSeconds} s old`);
  }
  if (s.webhookEvents.failed.count > 0) reasons.push(`${s.webhookEvents.failed.count} webhook events failed for good`);
  if (s.customersNeedingAttention.count > 0)
    reasons.push(`${s.customersNeedingAttention.count} customers need attention (their HubSpot link)`);
  if (s.rateBudget.api.blockedReason === 'DAILY')
    reasons.push(`HubSpot's daily limit is reached; calls pause until ${s.rateBudget.api.blockedUntil}`);
  if (s.lastReconciliation?.status === 'FAILED') reasons.push(`the last reconciliation run (${s.lastReconciliation.id}) failed`);
  const next = s.nextReconciliation;
  if (next && 'error' in next) reasons.push('the reconciliation schedule could not be read');
  else if (next && next.state !== 'ENABLED') reasons.push(`the reconciliation schedule is ${next.state ?? 'in an unknown state'}`);
  return reasons;
}
