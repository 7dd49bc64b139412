/** /webhooks/v3/{appId}: the app's webhook settings and subscriptions (developer `hapikey` auth). */
import { notFound } from './hubspot-error.js';
import { parseBody, subscriptionCreateSchema, subscriptionPatchSchema, webhookSettingsSchema } from './request-schemas.js';
import type { Router } from './router.js';
import type { ApiContext } from './api-context.js';
import type { Subscription } from './webhook-subscriptions.js';

const BASE = '/webhooks/v3/:appId';

export function webhookRoutes(router: Router<ApiContext>): void {
  router
    .on(
      'GET',
      `${BASE}/settings`,
      thisApp(({ state }) => {
        const { targetUrl, maxConcurrentRequests, createdAt, updatedAt } = state.subscriptions.settings;
        if (!targetUrl) throw notFound('No webhook settings for this app.');
        return { status: 200, body: { targetUrl, throttling: { maxConcurrentRequests }, createdAt, updatedAt } };
      }),
    )
    .on(
      'PUT',
      `${BASE}/settings`,
      thisApp(({ state, body }) => {
        const input = parseBody(webhookSettingsSchema, body);
        const s = state.subscriptions.configure(input.targetUrl, input.throttling.maxConcurrentRequests);
        return {
          status: 200,
          body: {
            targetUrl: s.targetUrl,
            throttling: { maxConcurrentRequests: s.maxConcurrentRequests },
            createdAt: s.createdAt,
            updatedAt: s.updatedAt,
          },
        };
      }),
    )
    .on(
      'DELETE',
      `${BASE}/settings`,
      thisApp(({ state }) => {
        state.subscriptions.configure(undefined, state.subscriptions.settings.maxConcurrentRequests);
        return { status: 204 };
      }),
    )
    .on(
      'GET',
      `${BASE}/subscriptions`,
      thisApp(({ state }) => ({ status: 200, body: { results: state.subscriptions.list().map(view) } })),
    )
    .on(
      'POST',
      `${BASE}/subscriptions`,
      thisApp(({ state, body }) => ({ status: 201, body: view(state.subscriptions.create(parseBody(subscriptionCreateSchema, body))) })),
    )
    .on(
      'GET',
      `${BASE}/subscriptions/:id`,
      thisApp(({ state }, { id }) => ({ status: 200, body: view(state.subscriptions.get(Number(id))) })),
    )
    .on(
      'PATCH',
      `${BASE}/subscriptions/:id`,
      thisApp(({ state, body }, { id }) => ({
        status: 200,
        body: view(state.subscriptions.setActive(Number(id), parseBody(subscriptionPatchSchema, body).active)),
      })),
    )
    .on(
      'DELETE',
      `${BASE}/subscriptions/:id`,
      thisApp(({ state }, { id }) => {
        state.subscriptions.remove(Number(id));
        return { status: 204 };
      }),
    );
}

function view(s: Subscription) {
  return {
    id: String(s.id),
    eventType: s.eventType,
    active: s.active,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(s.propertyName ? { propertyName: s.propertyName } : {}),
  };
}

type Handler = Parameters<Router<ApiContext>['on']>[2];

function thisApp(handler: Handler): Handler {
  return (ctx, params) => {
    if (params.appId !== String(ctx.state.options.webhooks.appId)) throw notFound(`App ${params.appId} not found.`);
    return handler(ctx, params);
  };
}
