import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { markClaimedPublished, type OutboxPublishDeps } from '../outbox/publish-outbox-row.js';
import { publishResyncRows } from './enqueue-resyncs.js';

export interface ResyncPublisher {
  /** Committed RESYNC rows; published in groups of `batch` once that many are waiting. */
  add(outboxIds: readonly string[]): void;
  /** Publishes whatever is still waiting and waits for every group (the run's passes are over). */
  flush(): Promise<void>;
}

/** How long the rest of a group waits for its first row to be claimed before it is published anyway. */
const FIRST_CLAIM_WAIT_MS = 1_000;
const CLAIM_POLL_MS = 20;

/**
 * Publishes a run's RESYNC rows in groups of `batch` (the field-sync batch size), in the
 * background. A field-sync worker woken by one message claims every pending row up to its batch
 * size, so rows published one or two at a time, as a run comparing page after page finds them,
 * would be synced in as many small batches, each paying its own HubSpot reads and write. A
 * group's first row still pending is published alone; once a worker has claimed it (with the others),
 * the rows it took are marked published without a message of their own, and only those it left get one.
 * Published all at once, a claim would skip the rows still being marked published (SKIP LOCKED), and
 * their own messages would sync them in a small batch of their own. Rows not published yet are
 * committed PENDING: should the run stop first, the outbox relay sends them.
 */
export function createResyncPublisher(
  outbox: OutboxPublishDeps,
  batch: number,
  onFailure: (outcome: { failed: number; firstError?: unknown }) => Promise<void>,
): ResyncPublisher {
  const waiting: string[] = [];
  const groups: Array<Promise<void>> = [];
  let groupError: unknown;
  const publishGroup = async (ids: readonly string[]) => {
    // A batch claimed for an earlier message may have taken some rows already.
    const leader = await firstPending(outbox.db, ids);
    const first = leader === undefined ? { failed: 0 } : await publishResyncRows(outbox, [leader]);
    if (leader !== undefined && first.failed === 0) await claimOf(outbox.db, leader);
    const others = ids.filter((id) => id !== leader);
    const rest = await publishResyncRows(outbox, first.failed === 0 ? await markClaimedPublished(outbox.db, others) : others);
    const failed = first.failed + rest.failed;
    if (failed > 0) await onFailure({ failed, firstError: first.firstError ?? rest.firstError });
  };
  const startGroup = (ids: readonly string[]) => {
    // Kept until flush: a database error then fails the run, as a synchronous publish would.
    groups.push(publishGroup(ids).catch((err: unknown) => void (groupError ??= err)));
  };
  return {
    add(outboxIds) {
      waiting.push(...outboxIds);
      while (waiting.length >= batch) startGroup(waiting.splice(0, batch));
    },
    async flush() {
      if (waiting.length > 0) startGroup(waiting.splice(0));
      await Promise.all(groups.splice(0));
      if (groupError !== undefined) throw groupError;
    },
  };
}

async function firstPending(db: Db, ids: readonly string[]): Promise<string | undefined> {
  if (ids.length === 0) return undefined;
  const row = await db
    .selectFrom('hubspot_sync_queue')
    .select('id')
    .where('id', 'in', [...ids])
    .where('status', '=', 'PENDING')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** Until the row is no longer PENDING (a worker claimed it), or FIRST_CLAIM_WAIT_MS passed. */
async function claimOf(db: Db, outboxId: string): Promise<void> {
  const deadline = Date.now() + FIRST_CLAIM_WAIT_MS;
  while (Date.now() < deadline) {
    const row = await db.selectFrom('hubspot_sync_queue').select('status').where('id', '=', outboxId).executeTakeFirst();
    if (row?.status !== 'PENDING') return;
    await sleep(CLAIM_POLL_MS);
  }
}
