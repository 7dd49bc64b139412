/** Bounded waits for the stack to go quiet, and for a reconciliation run to finish. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStack } from './chaos-stack.js';

export interface Backlog {
  openOutboxRows: number;
  openWebhookEvents: number;
}

export async function backlog(stack: ChaosStack): Promise<Backlog> {
  const [outbox, events] = await Promise.all([
    stack.db
      .selectFrom('hubspot_sync_queue')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['PENDING', 'PROCESSING', 'PARKED'])
      .executeTakeFirstOrThrow(),
    stack.db
      .selectFrom('hubspot_webhook_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['RECEIVED', 'PUBLISHED'])
      .executeTakeFirstOrThrow(),
  ]);
  return { openOutboxRows: Number(outbox.n), openWebhookEvents: Number(events.n) };
}

/**
 * Quiet = no webhook delivery pending in the sandbox, no open outbox row, no unsettled event;
 * twice in a row, since each can start another (a RESYNC pushes, the push echoes back as a
 * webhook). Returns the backlog left when `timeoutMs` ran out first.
 */
export async function settle(stack: ChaosStack, timeoutMs: number): Promise<{ settled: boolean; waitedMs: number } & Backlog> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let quietRounds = 0;
  let last: Backlog = { openOutboxRows: -1, openWebhookEvents: -1 };
  while (Date.now() < deadline) {
    await stack.sandbox.control.webhooksIdle(Math.max(1, Math.min(10_000, deadline - Date.now()))).catch(() => undefined);
    last = await backlog(stack).catch(() => last);
    quietRounds = last.openOutboxRows === 0 && last.openWebhookEvents === 0 ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return { settled: true, waitedMs: Date.now() - started, ...last };
    await sleep(250);
  }
  return { settled: false, waitedMs: Date.now() - started, ...last };
}

/** The run a reconcile request started, once it is no longer RUNNING (undefined on timeout). */
export async function finishedRun(stack: ChaosStack, messageId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const runs = await stack.db.selectFrom('hubspot_reconciliation_runs').selectAll().execute();
    const run = runs.find((r) => (JSON.parse(r.cursor ?? '{}') as { messageId?: string }).messageId === messageId);
    if (run && run.status !== 'RUNNING') return run;
    await sleep(250);
  }
  return undefined;
}
