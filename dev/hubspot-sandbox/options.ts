/** Options of `startSandbox`, and the defaults that make it behave like a Free/Starter portal. */
import type { SignatureVersion } from '../../shared/hubspot/webhook-signature.js';
import type { SubscriptionSpec } from './webhook-subscriptions.js';

export interface WebhookOptions {
  targetUrl?: string;
  clientSecret?: string;
  appId?: number;
  portalId?: number;
  signatureVersions?: readonly SignatureVersion[];
  maxConcurrent?: number;
  /** Waits between attempts; compress (e.g. [20, 40, 80]) in tests. */
  retryScheduleMs?: readonly number[];
  maxAttempts?: number;
  timeoutMs?: number;
  batchDelayMs?: number;
  maxEventsPerRequest?: number;
  reorderHoldMs?: number;
  /** Default: every company event type, property changes for every property. */
  subscriptions?: readonly SubscriptionSpec[];
}

/** Loopback-only credentials the sandbox accepts unless told otherwise; a real portal brings its own. */
export const SANDBOX_DEFAULTS = {
  token: 'pat-local-sandbox',
  readToken: 'pat-local-sandbox-read',
  clientSecret: 'sandbox-client-secret',
} as const;

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  token?: string;
  /** A second private app's token with only `crm.objects.companies.read`: its writes are 403 MISSING_SCOPES. */
  readToken?: string;
  /** Developer API key (`hapikey`) for the webhooks v3 API. */
  developerApiKey?: string;
  rateLimits?: { tenSecondLimit?: number; searchPerSecond?: number; dailyLimit?: number };
  webhooks?: WebhookOptions;
  searchIndexLagMs?: number;
  /** Randomness for probability faults; inject a seeded one for repeatable runs. */
  random?: () => number;
  now?: () => number;
  /** JSON file the state is loaded from at start and saved to after changes; unset: in memory only. */
  stateFile?: string;
}

/** HubSpot retries over about a day; the sandbox's default spreads 9 retries the same way. */
export const HUBSPOT_RETRY_SCHEDULE_MS = [60_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000];

export function resolveOptions(options: SandboxOptions) {
  const w = options.webhooks ?? {};
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    token: options.token ?? SANDBOX_DEFAULTS.token,
    readToken: options.readToken ?? SANDBOX_DEFAULTS.readToken,
    developerApiKey: options.developerApiKey ?? 'dev-local-sandbox',
    rateLimits: {
      tenSecondLimit: options.rateLimits?.tenSecondLimit ?? 100,
      searchPerSecond: options.rateLimits?.searchPerSecond ?? 5,
      dailyLimit: options.rateLimits?.dailyLimit,
    },
    searchIndexLagMs: options.searchIndexLagMs ?? 0,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    stateFile: options.stateFile,
    webhooks: {
      targetUrl: w.targetUrl,
      clientSecret: w.clientSecret ?? SANDBOX_DEFAULTS.clientSecret,
      appId: w.appId ?? 1_000_001,
      portalId: w.portalId ?? 2_000_001,
      signatureVersions: w.signatureVersions ?? (['v3'] as const),
      maxConcurrent: w.maxConcurrent ?? 10,
      retryScheduleMs: w.retryScheduleMs ?? HUBSPOT_RETRY_SCHEDULE_MS,
      maxAttempts: w.maxAttempts ?? 10,
      timeoutMs: w.timeoutMs ?? 5000,
      batchDelayMs: w.batchDelayMs ?? 20,
      maxEventsPerRequest: Math.min(w.maxEventsPerRequest ?? 99, 99),
      reorderHoldMs: w.reorderHoldMs ?? 200,
      subscriptions: w.subscriptions,
    },
  };
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>;
