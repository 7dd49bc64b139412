import { sql } from 'kysely';
import { z } from 'zod';
import type { DbOrTx } from '../db/database.js';
import { isoDate, single } from './paging.js';
import { SYNC_LOG_STATUSES } from './sync-log.js';

export const MAX_ACTIVITY_HOURS = 48;

export const activityQuerySchema = z.object({
  hours: single
    .regex(/^\d{1,2}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_ACTIVITY_HOURS))
    .default(6),
});
export type ActivityQuery = z.output<typeof activityQuerySchema>;

const count = z.number().int();
const countsSchema = z.object({ SUCCESS: count, FAILED: count, SKIPPED: count, CONFLICT: count, RETRYING: count });

export const syncActivitySchema = z.object({
  /** The window: `to` is now, `from` the start of the minute `hours` before. */
  from: isoDate,
  to: isoDate,
  /** Minutes with at least one sync log entry, oldest first; a minute not listed had none. */
  minutes: z.array(z.object({ minute: isoDate, counts: countsSchema })),
});
export type SyncActivity = z.output<typeof syncActivitySchema>;

type Status = (typeof SYNC_LOG_STATUSES)[number];

/** One row per minute and status; a window without entries comes back as one row of nulls. */
interface MinuteRow {
  now: Date;
  since: Date;
  minute: Date | null;
  status: Status | null;
  n: number;
}

const noCounts = (): Record<Status, number> => ({ SUCCESS: 0, FAILED: 0, SKIPPED: 0, CONFLICT: 0, RETRYING: 0 });

/** Sync operations per minute and status; a range scan of hubspot_sync_log_created_idx, bounded by retention. */
export async function syncActivity(db: DbOrTx, query: ActivityQuery): Promise<SyncActivity> {
  const { rows } = await sql<MinuteRow>`
    WITH w AS (SELECT now() AS now, date_trunc('minute', now() - make_interval(hours => ${query.hours}::int)) AS since)
    SELECT w.now, w.since, date_trunc('minute', l.created_at) AS minute, l.status, count(l.id)::int AS n
      FROM w LEFT JOIN hubspot_sync_log l ON l.created_at >= w.since
     GROUP BY w.now, w.since, 3, l.status
     ORDER BY 3
  `.execute(db);
  const window = rows[0]!;
  const byMinute = new Map<string, SyncActivity['minutes'][number]>();
  for (const row of rows) {
    if (row.minute === null || row.status === null) continue;
    const minute = row.minute.toISOString();
    let entry = byMinute.get(minute);
    if (!entry) {
      entry = { minute, counts: noCounts() };
      byMinute.set(minute, entry);
    }
    entry.counts[row.status] = row.n;
  }
  return { from: window.since.toISOString(), to: window.now.toISOString(), minutes: [...byMinute.values()] };
}
