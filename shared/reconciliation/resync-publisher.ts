import { publishOutboxGroup, type OutboxPublishDeps } from '../outbox/publish-outbox-row.js';

export interface ResyncPublisher {
  /** Committed RESYNC rows; published in groups of `batch` once that many are waiting. */
  add(outboxIds: readonly string[]): void;
  /** Publishes whatever is still waiting and waits for every group (the run's passes are over). */
  flush(): Promise<void>;
}

/**
 * Publishes a run's RESYNC rows in groups of `batch` (the field-sync batch size), in the
 * background, one message per group (publishOutboxGroup): the worker it reaches claims the whole
 * group in one batch. Rows published one or two at a time, as a run comparing page after page
 * finds them, would be synced in as many small batches, each paying its own HubSpot reads and
 * write; and a message per row would cost a claim per row. Rows not published yet are committed
 * PENDING: should the run stop first, or a publish fail, the outbox relay sends them.
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
    try {
      await publishOutboxGroup(outbox, ids);
    } catch (err) {
      await onFailure({ failed: ids.length, firstError: err });
    }
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
