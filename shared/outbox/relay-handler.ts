import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Db } from '../db/database.js';
import type { Logger } from '../logging/logger.js';
import type { PubSubPublisher } from '../pubsub/publisher.js';
import { purgeExpired, type RetentionPolicy } from '../retention/purge.js';
import { relayWebhookEvents, type RepublishOptions } from '../webhooks/republish-unpublished.js';
import { relayUnpublished, type RelayOptions } from './relay.js';
import { systemClock, type Clock } from '../runtime/clock.js';

export interface OutboxRelayDeps {
  db: Db;
  publisher: PubSubPublisher;
  log: Logger;
  options: Omit<RelayOptions, 'now'>;
  /** Stored webhook events the intake could not publish (HubSpot may have stopped retrying them). */
  webhookEvents: RepublishOptions;
  /** Each tick then purges rows past retention, within the policy's time budget. */
  retention: RetentionPolicy;
  /** The tick's time (the system clock unless a test or bench runs time forward). */
  now?: Clock;
}

/**
 * Cloud Scheduler publishes a tick to `outbox-relay-tick`; each tick relays one bounded batch of
 * outbox rows and one of stored-but-unpublished webhook events. The two backlogs are independent:
 * both run, and the tick fails (Pub/Sub redelivers it) if either did. Then one bounded retention
 * pass: a failed purge is logged and left to the next tick, never a reason to resend the relays.
 */
export function createOutboxRelayHandler(getDeps: () => Promise<OutboxRelayDeps>) {
  return async (_event: CloudEvent<unknown>): Promise<void> => {
    const deps = await getDeps();
    const now = deps.now ?? systemClock;
    const results = await Promise.allSettled([
      relayUnpublished(deps.db, deps.publisher, { ...deps.options, now: now() }, deps.log),
      relayWebhookEvents(deps, deps.webhookEvents),
    ]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    await purgeExpired({ db: deps.db, log: deps.log, now }, deps.retention).catch((err: unknown) =>
      deps.log.error('retention purge failed; the next relay tick tries again', { err }),
    );
  };
}
