/**
 * Wiring: the Postgres budget, the retry policy and the api-client adapter in
 * one call, so every function builds its HubSpot client the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../db/database.js';
import type { Logger } from '../../logging/logger.js';
import { createApiClientCompanies } from './api-client-companies.js';
import type { HubspotClientConfig } from './config.js';
import type { HubspotCompanies } from './hubspot-companies.js';
import { createPostgresRateBudget, type RateBudget, type RateBudgetDeps } from './rate-budget.js';
import { dailyUsageOf } from './response-hook.js';
import { createHubspotCaller, type HubspotCallEvent } from './retry-policy.js';
import { systemClock, type Clock } from '../../runtime/clock.js';

export interface HubspotClientDeps {
  db: Db;
  logger: Logger;
  accessToken: string;
  /** Every HTTP attempt (count calls in benchmarks and tests). */
  onCall?: (event: HubspotCallEvent) => void;
  onGrant?: RateBudgetDeps['onGrant'];
  /** Injected in tests; default real time. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: Clock;
}

export interface HubspotClient {
  companies: HubspotCompanies;
  budget: RateBudget;
}

export function createHubspotClient(config: HubspotClientConfig, deps: HubspotClientDeps): HubspotClient {
  const time = {
    sleep: deps.sleep ?? ((ms: number) => sleep(ms)),
    random: deps.random ?? Math.random,
    now: deps.now ?? systemClock,
  };
  const budget = createPostgresRateBudget(config.budget, { db: deps.db, onGrant: deps.onGrant, ...time });
  const call = createHubspotCaller(config.retry, { budget, logger: deps.logger, onCall: deps.onCall, ...time });
  const onSuccessHeaders = (headers: Readonly<Record<string, string>>) => {
    const usage = dailyUsageOf(headers);
    // Only the status reads it: a failed write must not fail the call that carried it.
    if (usage) budget.recordDailyUsage(usage).catch((err: unknown) => deps.logger.warn('could not store HubSpot daily usage', { err }));
  };
  const companies = createApiClientCompanies({ accessToken: deps.accessToken, basePath: config.basePath, onSuccessHeaders }, call);
  return { companies, budget };
}

/** Counts HubSpot HTTP calls per operation: pass `counter.onCall` as `onCall`. */
export function createCallCounter() {
  const byOperation: Record<string, number> = {};
  let total = 0;
  return {
    onCall(event: HubspotCallEvent) {
      total++;
      byOperation[event.operation] = (byOperation[event.operation] ?? 0) + 1;
    },
    get total() {
      return total;
    },
    byOperation,
  };
}
