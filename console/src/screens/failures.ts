import { api, ApiError, type Data } from '../api.js';
import { h, notice, show, timeEl } from '../dom.js';
import type { Screen } from '../screen.js';

type Failures = Data<'listSyncFailures'>;

function checkbox(name: string, id: string, label: string): HTMLInputElement {
  return h('input', { type: 'checkbox', name, value: id, 'aria-label': label });
}

function outboxTable(page: NonNullable<Failures['outbox']>): HTMLElement {
  if (page.items.length === 0) return h('p', {}, 'No failed outbox rows.');
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('caption', {}, 'Outbox rows that failed for good'),
      h(
        'thead',
        {},
        h('tr', {}, ...['', 'Row', 'Customer', 'Operation', 'Attempts', 'Reason', 'Failed'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h(
        'tbody',
        {},
        ...page.items.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, checkbox('outbox', r.id, `Retry outbox row ${r.id}`)),
            h('th', { scope: 'row' }, r.id),
            h('td', {}, h('a', { href: `#/customer/${r.customerId}` }, r.customerId.slice(0, 8))),
            h('td', {}, `${r.operation} (${r.origin})`),
            h('td', {}, String(r.attempts)),
            h('td', { class: 'reason' }, r.errorCode ? h('code', {}, r.errorCode) : null, ` ${r.lastError ?? ''}`),
            h('td', {}, timeEl(r.failedAt)),
          ),
        ),
      ),
    ),
  );
}

function webhookTable(page: NonNullable<Failures['webhookEvents']>): HTMLElement {
  if (page.items.length === 0) return h('p', {}, 'No failed webhook events.');
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('caption', {}, 'Webhook events that failed for good'),
      h(
        'thead',
        {},
        h('tr', {}, ...['', 'Event', 'Type', 'Object', 'Attempts', 'Reason', 'Received'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h(
        'tbody',
        {},
        ...page.items.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, checkbox('webhook', e.id, `Retry webhook event ${e.id}`)),
            h('th', { scope: 'row' }, e.id),
            h('td', {}, e.subscriptionType, e.propertyName ? h('small', {}, ` ${e.propertyName}`) : null),
            h('td', {}, e.objectId),
            h('td', {}, String(e.attempts)),
            h('td', { class: 'reason' }, e.errorCode ? h('code', {}, e.errorCode) : null, ` ${e.processingError ?? ''}`),
            h('td', {}, timeEl(e.receivedAt)),
          ),
        ),
      ),
    ),
  );
}

/** Failed outbox rows and webhook events with their reasons; the chosen ones go back to work. */
export const failuresScreen: Screen = async (root, ctx) => {
  const failures = await api.failures();
  const said = notice();
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const chosen = (name: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((c) => c.value);
        const outboxIds = chosen('outbox');
        const webhookEventIds = chosen('webhook');
        if (outboxIds.length + webhookEventIds.length === 0) return said.say('Choose the rows to retry first.', 'error');
        try {
          const result = await api.retryFailures({
            outboxIds: outboxIds.length ? outboxIds : undefined,
            webhookEventIds: webhookEventIds.length ? webhookEventIds : undefined,
          });
          said.say(
            `Put back to work: ${result.outbox.retried} outbox rows and ${result.webhookEvents.retried} ` +
              `webhook events (${result.outbox.published + result.webhookEvents.published} published at once).`,
            'ok',
          );
          for (const id of [...result.outbox.ids.map((i) => `outbox:${i}`), ...result.webhookEvents.ids.map((i) => `webhook:${i}`)]) {
            const [name, value] = id.split(':');
            form.querySelector(`input[name="${name}"][value="${value}"]`)?.closest('tr')?.classList.add('retried');
          }
        } catch (err) {
          if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
          said.say(err instanceof ApiError ? `Not retried: ${err.message}` : String(err), 'error');
        }
      },
    },
    h(
      'section',
      { 'aria-labelledby': 'outbox' },
      h('h2', { id: 'outbox' }, 'Outbox'),
      failures.outbox ? outboxTable(failures.outbox) : null,
    ),
    h(
      'section',
      { 'aria-labelledby': 'webhooks' },
      h('h2', { id: 'webhooks' }, 'Webhook events'),
      failures.webhookEvents ? webhookTable(failures.webhookEvents) : null,
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Retry chosen'),
      h('button', { type: 'button', class: 'quiet', onclick: () => ctx.refresh() }, 'Refresh'),
    ),
  );
  show(root, h('h1', {}, 'Failures'), said.el, form);
};
