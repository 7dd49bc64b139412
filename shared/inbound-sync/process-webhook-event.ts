import { inTransaction, type Db } from '../db/database.js';
import type { CompanyRecord, HubspotCompanies } from '../hubspot/client/hubspot-companies.js';
import type { Logger } from '../logging/logger.js';
import type { OutboxPublishDeps } from '../outbox/publish-outbox-row.js';
import type { WebhookEventMessage } from '../webhooks/event-message.js';
import { applyCompanyCreation, applyCompanyDeletion, applyCompanyMerge, applyCompanyRestore } from './company-lifecycle.js';
import { ignored, isSettled, lockEventRow, recordFailure, recordOutcome, type EventOutcome } from './event-outcome.js';
import type { InboundContext } from './inbound-context.js';
import { applyPropertyChange } from './property-change.js';
import { publishResyncs } from './resync-requests.js';
import { readUnlinkedCompany } from './unlinked-company.js';
import { systemClock, type Clock } from '../runtime/clock.js';

export interface InboundDeps {
  db: Db;
  /** Read only for events about a company no customer is linked to (its `warp_ban`). */
  companies: Pick<HubspotCompanies, 'getCompany'>;
  /** Where RESYNC requests go: the outbound worker's topic, through the outbox publish hook. */
  outbox: OutboxPublishDeps;
  log: Logger;
  /** The webhook subscription's dead-letter limit: the attempt that reaches it marks the event FAILED. */
  maxAttempts: number;
  now?: Clock;
}

export type InboundResult = { kind: 'APPLIED'; outcome: EventOutcome; resyncs: number } | { kind: 'ALREADY_DONE' | 'MISSING' | 'FOREIGN' };

/**
 * Applies one stored HubSpot webhook event to WARP, exactly once in effect: the event row is
 * locked for the attempt and its outcome (PROCESSED, or IGNORED with the reason) commits with the
 * changes, so a redelivery finds it settled and does nothing. Returning acks the message;
 * a failure is counted on the row and rethrown, so Pub/Sub retries it with backoff and finally
 * dead-letters it (the row then says FAILED, with the error and the attempts).
 */
export async function processWebhookEvent(deps: InboundDeps, message: WebhookEventMessage, traceId?: string): Promise<InboundResult> {
  const now = deps.now ?? systemClock;
  const { event, webhookEventId } = message;
  const log = deps.log.child({ webhookEventId, subscriptionType: event.subscriptionType, objectId: event.objectId, trace: traceId });
  try {
    const company = await readUnlinkedCompany(deps.db, deps.companies, event);
    const result = await inTransaction(deps.db, async (tx) => {
      const row = await lockEventRow(tx, webhookEventId);
      if (!row) return { kind: 'MISSING' as const };
      // A message naming a row of another event (another environment's database): never apply it.
      if (row.dedupeKey !== message.dedupeKey) return { kind: 'FOREIGN' as const };
      if (isSettled(row.status)) return { kind: 'ALREADY_DONE' as const };
      const ctx: InboundContext = {
        tx,
        event,
        webhookEventId,
        occurredAt: new Date(event.occurredAt),
        now: now(),
        log,
        traceId,
        lastAttempt: row.attempts + 1 >= deps.maxAttempts,
        resyncIds: [],
      };
      const outcome = await apply(ctx, company);
      await recordOutcome(tx, webhookEventId, outcome, ctx.now);
      return { kind: 'APPLIED' as const, outcome, resyncIds: ctx.resyncIds };
    });
    if (result.kind !== 'APPLIED') {
      if (result.kind === 'ALREADY_DONE') log.debug('webhook event already handled; redelivery acked');
      else log.error('webhook event message names no matching stored event; acked', { result: result.kind });
      return result;
    }
    await publishResyncs(deps.outbox, result.resyncIds, log);
    log.info('webhook event handled', { ...result.outcome, resyncs: result.resyncIds.length });
    return { kind: 'APPLIED', outcome: result.outcome, resyncs: result.resyncIds.length };
  } catch (err) {
    const error = `${(err as Error).name ?? 'Error'}: ${(err as Error).message ?? String(err)}`;
    const state = await recordFailure(deps.db, webhookEventId, error, deps.maxAttempts).catch((recordErr: unknown) => {
      // The database is away (the same cause, often): Pub/Sub redelivers the event and its dead-letter limit still bounds the attempts.
      log.warn('could not record the failed attempt; the event is redelivered all the same', { err: recordErr });
      return undefined;
    });
    if (state?.status === 'FAILED')
      log.critical('webhook event failed for good; its message goes to the dead-letter topic', { err, attempts: state.attempts });
    else log.warn('webhook event failed; Pub/Sub will redeliver it', { err, attempts: state?.attempts });
    throw err;
  }
}

/** `company`: the company as read from HubSpot when no customer is linked to it (readUnlinkedCompany). */
function apply(ctx: InboundContext, company: CompanyRecord | null | undefined): Promise<EventOutcome> {
  switch (ctx.event.subscriptionType) {
    case 'company.propertyChange':
      return applyPropertyChange(ctx, company);
    case 'company.deletion':
      return applyCompanyDeletion(ctx);
    case 'company.restore':
      return applyCompanyRestore(ctx);
    case 'company.merge':
      return applyCompanyMerge(ctx);
    case 'company.creation':
      return applyCompanyCreation(ctx, company);
    default:
      return Promise.resolve(ignored('UNSUPPORTED_EVENT', ctx.event.subscriptionType));
  }
}
