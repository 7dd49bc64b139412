/**
 * `/_sandbox/...`: what tests and developers use to steer the sandbox. Not a
 * HubSpot API: no auth, not rate limited, not in the request log. Company
 * writes here play "a person editing in HubSpot" (changeSource CRM_UI).
 */
import { z } from 'zod';
import type { Actor, CompanyRecord } from './company-types.js';
import { faultRuleSchema } from './faults.js';
import { validationError } from './hubspot-error.js';
import { mergeSchema, parseBody } from './request-schemas.js';
import type { Router } from './router.js';
import type { SandboxState } from './state.js';

export interface ControlContext {
  state: SandboxState;
  query: URLSearchParams;
  body: unknown;
}

const DEFAULT_USER_ID = 1001;
const values = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v))),
);
const userWrite = z.object({ properties: values.default({}), userId: z.number().int().positive().default(DEFAULT_USER_ID) });
const asUser = z.object({ userId: z.number().int().positive().default(DEFAULT_USER_ID) });
const seedSchema = z.object({ companies: z.array(z.object({ properties: values })) });
const configSchema = z.object({
  tenSecondLimit: z.number().int().positive().optional(),
  searchPerSecond: z.number().int().positive().optional(),
  dailyLimit: z.number().int().positive().nullable().optional(),
  searchIndexLagMs: z.number().int().min(0).optional(),
});
const targetSchema = z.object({ targetUrl: z.string().url().nullable(), maxConcurrentRequests: z.number().int().positive().optional() });

const user = (userId: number): Actor => ({ changeSource: 'CRM_UI', sourceId: `userId:${userId}` });

export function controlRoutes(router: Router<ControlContext>): Router<ControlContext> {
  return (
    router
      .on('GET', '/_sandbox/health', () => ({ status: 200, body: { ok: true } }))
      .on('POST', '/_sandbox/reset', ({ state }) => {
        state.reset();
        return { status: 204 };
      })
      .on('PUT', '/_sandbox/config', ({ state, body }) => {
        const input = parseBody(configSchema, body);
        const limits = state.limiter.options;
        if (input.tenSecondLimit !== undefined) limits.tenSecondLimit = input.tenSecondLimit;
        if (input.searchPerSecond !== undefined) limits.searchPerSecond = input.searchPerSecond;
        if (input.dailyLimit !== undefined) limits.dailyLimit = input.dailyLimit ?? undefined;
        if (input.searchIndexLagMs !== undefined) state.index.lagMs = input.searchIndexLagMs;
        return { status: 200, body: { rateLimits: limits, searchIndexLagMs: state.index.lagMs } };
      })
      // Existing data: imported quietly (no webhooks), visible to search at once.
      .on('POST', '/_sandbox/seed', ({ state, body }) => {
        const { companies } = parseBody(seedSchema, body);
        const actor: Actor = { changeSource: 'IMPORT', sourceId: 'sandbox-seed' };
        const lag = state.index.lagMs;
        state.index.lagMs = 0;
        try {
          const ids = state.quietly(() => companies.map((c) => state.store.create(c.properties, actor).id));
          return { status: 201, body: { ids } };
        } finally {
          state.index.lagMs = lag;
        }
      })
      .on('POST', '/_sandbox/companies', ({ state, body }) => {
        const input = parseBody(userWrite, body);
        return { status: 201, body: fullView(state.store.create(input.properties, user(input.userId))) };
      })
      .on('GET', '/_sandbox/companies/:id', ({ state, query }, { id = '' }) => {
        const record = state.store.find(id, undefined, query.get('archived') === 'true');
        if (!record) throw validationError(`No company ${id} (archived=${query.get('archived') ?? 'false'}).`);
        return { status: 200, body: fullView(record) };
      })
      .on('PATCH', '/_sandbox/companies/:id', ({ state, body }, { id = '' }) => {
        const input = parseBody(userWrite, body);
        return { status: 200, body: fullView(state.store.update(state.store.get(id), input.properties, user(input.userId))) };
      })
      .on('POST', '/_sandbox/companies/:id/archive', ({ state, body }, { id = '' }) => {
        const record = state.store.get(id);
        state.store.archive(record, user(parseBody(asUser, body).userId));
        return { status: 200, body: fullView(record) };
      })
      .on('POST', '/_sandbox/companies/:id/restore', ({ state, body }, { id = '' }) => {
        const record = state.store.restore(state.store.get(id, undefined, true), user(parseBody(asUser, body).userId));
        return { status: 200, body: fullView(record) };
      })
      .on('POST', '/_sandbox/merge', ({ state, body }) => {
        const input = parseBody(mergeSchema.extend(asUser.shape), body);
        return { status: 200, body: fullView(state.store.merge(input.primaryObjectId, input.objectIdToMerge, user(input.userId))) };
      })
      .on('GET', '/_sandbox/requests', ({ state, query }) => {
        const windowMs = Number(query.get('windowMs') ?? 10_000);
        return {
          status: 200,
          body: { requests: state.log.list(), counters: state.log.counters(), windowMs, maxInWindow: state.log.maxInWindow(windowMs) },
        };
      })
      .on('DELETE', '/_sandbox/requests', ({ state }) => {
        state.log.reset();
        return { status: 204 };
      })
      .on('GET', '/_sandbox/faults', ({ state }) => ({ status: 200, body: { faults: state.faults.list() } }))
      .on('POST', '/_sandbox/faults', ({ state, body }) => ({ status: 201, body: { id: state.faults.add(faultRuleSchema.parse(body)) } }))
      .on('DELETE', '/_sandbox/faults', ({ state }) => {
        state.faults.clear();
        return { status: 204 };
      })
      .on('GET', '/_sandbox/webhooks', ({ state }) => ({
        status: 200,
        body: {
          attempts: state.dispatcher.log(),
          stats: state.dispatcher.stats(),
          settings: state.subscriptions.settings,
          subscriptions: state.subscriptions.list(),
        },
      }))
      .on('PUT', '/_sandbox/webhooks/target', ({ state, body }) => {
        const input = parseBody(targetSchema, body);
        const settings = state.subscriptions.configure(
          input.targetUrl ?? undefined,
          input.maxConcurrentRequests ?? state.subscriptions.settings.maxConcurrentRequests,
        );
        return { status: 200, body: settings };
      })
      .on('POST', '/_sandbox/webhooks/idle', async ({ state, query }) => {
        const timeoutMs = Number(query.get('timeoutMs') ?? 10_000);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        });
        const gaveUp = await Promise.race([state.dispatcher.idle().then(() => false), timedOut]);
        clearTimeout(timer);
        return { status: gaveUp ? 408 : 200, body: { idle: !gaveUp } };
      })
  );
}

/** Every stored value and its history, for inspection. */
function fullView(record: CompanyRecord) {
  return {
    id: record.id,
    archived: record.archived,
    ...(record.mergedInto ? { mergedInto: record.mergedInto } : {}),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    properties: Object.fromEntries(record.values),
    propertiesWithHistory: Object.fromEntries(record.history),
  };
}
