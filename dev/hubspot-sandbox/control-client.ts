/**
 * Typed helpers over the control API, usable against an in-process sandbox
 * (`startSandbox().control`) or one started with `npm run sandbox`.
 */
import type { FaultRuleInput } from './faults.js';
import type { LoggedRequest, RequestCounters } from './request-log.js';
import type { HistoryEntry } from './company-types.js';
import type { DeliveryAttempt } from './webhook-dispatcher.js';
import type { Subscription, WebhookSettings } from './webhook-subscriptions.js';

export interface ControlCompany {
  id: string;
  archived: boolean;
  mergedInto?: string;
  createdAt: string;
  updatedAt: string;
  properties: Record<string, string>;
  propertiesWithHistory: Record<string, HistoryEntry[]>;
}

export interface RequestLogView {
  requests: LoggedRequest[];
  counters: RequestCounters;
  windowMs: number;
  maxInWindow: number;
}

export interface WebhookView {
  attempts: DeliveryAttempt[];
  stats: { maxObservedConcurrency: number; inFlight: number; queued: number };
  settings: WebhookSettings;
  subscriptions: Subscription[];
}

type Values = Record<string, string | number | boolean | null>;

export function createControlClient(baseUrl: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path} -> ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  return {
    reset: () => call<void>('POST', '/reset'),
    configure: (config: { tenSecondLimit?: number; searchPerSecond?: number; dailyLimit?: number | null; searchIndexLagMs?: number }) =>
      call<unknown>('PUT', '/config', config),
    /** Pre-existing companies: no webhooks, searchable at once. */
    seed: async (companies: Values[]) =>
      (await call<{ ids: string[] }>('POST', '/seed', { companies: companies.map((properties) => ({ properties })) })).ids,
    company: (id: string, options: { archived?: boolean } = {}) =>
      call<ControlCompany>('GET', `/companies/${id}${options.archived ? '?archived=true' : ''}`),
    createAsUser: (properties: Values, userId?: number) => call<ControlCompany>('POST', '/companies', { properties, userId }),
    editAsUser: (id: string, properties: Values, userId?: number) =>
      call<ControlCompany>('PATCH', `/companies/${id}`, { properties, userId }),
    archiveAsUser: (id: string, userId?: number) => call<ControlCompany>('POST', `/companies/${id}/archive`, { userId }),
    restoreAsUser: (id: string, userId?: number) => call<ControlCompany>('POST', `/companies/${id}/restore`, { userId }),
    mergeAsUser: (primaryObjectId: string, objectIdToMerge: string, userId?: number) =>
      call<ControlCompany>('POST', '/merge', { primaryObjectId, objectIdToMerge, userId }),
    requests: (windowMs = 10_000) => call<RequestLogView>('GET', `/requests?windowMs=${windowMs}`),
    clearRequests: () => call<void>('DELETE', '/requests'),
    addFault: async (rule: FaultRuleInput) => (await call<{ id: number }>('POST', '/faults', rule)).id,
    clearFaults: () => call<void>('DELETE', '/faults'),
    webhooks: () => call<WebhookView>('GET', '/webhooks'),
    setWebhookTarget: (targetUrl: string | null, maxConcurrentRequests?: number) =>
      call<WebhookSettings>('PUT', '/webhooks/target', { targetUrl, maxConcurrentRequests }),
    /** Resolves when every webhook delivery and retry has finished. */
    webhooksIdle: (timeoutMs = 10_000) => call<{ idle: boolean }>('POST', `/webhooks/idle?timeoutMs=${timeoutMs}`),
  };
}

export type ControlClient = ReturnType<typeof createControlClient>;
