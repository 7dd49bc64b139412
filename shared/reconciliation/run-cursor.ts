import { z } from 'zod';
import { reconcileRequestSchema } from './reconcile-request.js';

/**
 * Where a run got to, saved in `hubspot_reconciliation_runs.cursor` (JSON) in the same
 * transaction as each chunk of RESYNC rows, so a run that died (instance stopped, timeout) is
 * resumed where it stopped when Pub/Sub redelivers its request (same message id).
 *
 * Passes, in order: WARP (customers, keyset on id), then HUBSPOT (companies modified since
 * `since`, keyset on hs_object_id; incremental runs only) or LISTING (every company, HubSpot's
 * paging token; real runs over every customer, see listsEveryCompany), then DONE.
 */
export const runCursorSchema = z.object({
  /** The Pub/Sub request's; null for a run the sync API queued (found by its id instead). */
  messageId: z.string().min(1).nullable(),
  request: reconcileRequestSchema,
  /** Changes at or after this instant are looked at; null = every customer (full pass). */
  since: z.iso.datetime({ offset: true }).nullable(),
  /**
   * An incremental run's start: its search looks at changes before it. Later ones are the next
   * run's (it looks back to this start), and this run's own pushes, made while it searches, are
   * not paged through again. Absent in cursors written before it existed: no upper bound.
   */
  until: z.iso.datetime({ offset: true }).optional(),
  pass: z.enum(['WARP', 'HUBSPOT', 'LISTING', 'DONE']),
  /** Last customer id (WARP) or hs_object_id (HUBSPOT) handled, or the next page's token (LISTING); null = from the start. */
  after: z.string().nullable(),
  /** LISTING: the greatest company id listed so far (company-id-order.ts); null = none yet. */
  listedUpTo: z.string().nullable().optional(),
});

export type RunCursor = z.output<typeof runCursorSchema>;

export function serializeCursor(cursor: RunCursor): string {
  return JSON.stringify(runCursorSchema.parse(cursor));
}

/** undefined for a cursor this code did not write (null, or hand-edited beyond recognition). */
export function parseCursor(text: string | null): RunCursor | undefined {
  if (text === null) return undefined;
  try {
    const parsed = runCursorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real run over every customer compares every HubSpot company, listed once, with its customer and
 * resyncs only those that differ. A dry run plans every customer itself instead.
 */
export function listsEveryCompany(cursor: RunCursor): boolean {
  return 'all' in cursor.request && cursor.since === null && !cursor.request.dryRun;
}

/** The first pass of a new run; an incremental run looks at changes within `window`. */
export function initialCursor(
  messageId: string | null,
  request: RunCursor['request'],
  window: { since: Date; until: Date } | null,
): RunCursor {
  const cursor: RunCursor = { messageId, request, since: null, pass: 'WARP', after: null };
  return window === null ? cursor : { ...cursor, since: window.since.toISOString(), until: window.until.toISOString() };
}

/** Incremental runs look back to the last successful run's start, minus an overlap. */
export function incrementalSince(lastSucceededStart: Date | undefined, overlapMs: number): Date | null {
  return lastSucceededStart ? new Date(lastSucceededStart.getTime() - overlapMs) : null;
}
