/** Everything one sandbox instance holds, wired together once. */
import type { Actor, CompanyEvent, CompanyRecord } from './company-types.js';
import { CompanyStore } from './company-store.js';
import { Faults } from './faults.js';
import type { ResolvedOptions } from './options.js';
import { PropertyRegistry } from './property-registry.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestLog } from './request-log.js';
import { SearchIndex } from './search-index.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookEventFactory } from './webhook-events.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';

export interface SandboxState {
  options: ResolvedOptions;
  now: () => number;
  registry: PropertyRegistry;
  store: CompanyStore;
  index: SearchIndex;
  limiter: RateLimiter;
  log: RequestLog;
  faults: Faults;
  subscriptions: WebhookSubscriptions;
  events: WebhookEventFactory;
  dispatcher: WebhookDispatcher;
  /** Private-app writes: HubSpot reports them as INTEGRATION from the app. */
  apiActor: Actor;
  /** Runs `fn` without announcing its changes by webhook (seeding existing data). */
  quietly<T>(fn: () => T): T;
  reset(): void;
}

export function createState(options: ResolvedOptions): SandboxState {
  const now = options.now;
  const registry = new PropertyRegistry(now);
  const index = new SearchIndex(now, options.searchIndexLagMs, (name) => registry.live(name));
  const faults = new Faults(options.random);
  const subscriptions = new WebhookSubscriptions(now, {
    targetUrl: options.webhooks.targetUrl,
    maxConcurrentRequests: options.webhooks.maxConcurrent,
    subscriptions: options.webhooks.subscriptions,
  });
  const events = new WebhookEventFactory(subscriptions, options.webhooks);
  const dispatcher = new WebhookDispatcher(options.webhooks, subscriptions, faults, now);
  let quiet = false;
  const store = new CompanyStore(registry, now, {
    recordChanged: (record: CompanyRecord) => index.recordChanged(record),
    event: (change: CompanyEvent) => {
      const event = quiet ? undefined : events.build(change);
      if (event) dispatcher.enqueue(event);
    },
  });
  const limiter = new RateLimiter({ ...options.rateLimits }, now);
  const log = new RequestLog();

  return {
    options,
    now,
    registry,
    store,
    index,
    limiter,
    log,
    faults,
    subscriptions,
    events,
    dispatcher,
    apiActor: { changeSource: 'INTEGRATION', sourceId: String(options.webhooks.appId) },
    quietly<T>(fn: () => T): T {
      quiet = true;
      try {
        return fn();
      } finally {
        quiet = false;
      }
    },
    reset() {
      registry.reset();
      store.reset();
      index.reset();
      limiter.reset();
      log.reset();
      faults.clear();
      subscriptions.reset();
      events.reset();
      dispatcher.reset();
    },
  };
}
