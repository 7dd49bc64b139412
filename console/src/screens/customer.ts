import { api, ApiError, type Data } from '../api.js';
import { h, notice, show, timeEl, value } from '../dom.js';
import type { Screen, ScreenContext } from '../screen.js';
import { companyLink } from './company-link.js';

type SyncView = Data<'getCustomerSync'>;

function searchForm(query: string): HTMLElement {
  const input = h('input', {
    id: 'customer-search',
    type: 'search',
    name: 'q',
    value: query,
    required: true,
    placeholder: 'Company name or BAN',
  });
  return h(
    'form',
    {
      role: 'search',
      class: 'inline',
      onsubmit: (event: Event) => {
        event.preventDefault();
        location.hash = `#/customer?q=${encodeURIComponent(input.value.trim())}`;
      },
    },
    h('label', { for: 'customer-search' }, 'Find a customer'),
    input,
    h('button', { type: 'submit' }, 'Search'),
  );
}

async function results(query: string): Promise<HTMLElement> {
  const page = await api.customers(query);
  if (page.items.length === 0) return h('p', {}, `No customer matches “${query}”.`);
  return h(
    'ul',
    { class: 'results', 'aria-label': 'Matching customers' },
    ...page.items.map((c) =>
      h('li', {}, h('a', { href: `#/customer/${c.id}` }, c.company_name), ' ', h('code', {}, c.ban), ` ${c.status}`),
    ),
  );
}

function fieldsTable(view: SyncView): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'fields' },
      h('caption', {}, 'Mapped fields, WARP beside HubSpot'),
      h(
        'thead',
        {},
        h('tr', {}, ...['Field', 'WARP', 'HubSpot', 'Base', 'Direction', 'Rule', 'Last sync'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h(
        'tbody',
        {},
        ...view.fields.map((f) =>
          h(
            'tr',
            { class: f.openConflict ? 'in-conflict' : '' },
            h(
              'th',
              { scope: 'row' },
              f.warpField,
              h('small', {}, ` → ${f.hubspotProperty}`),
              f.openConflict ? h('a', { class: 'tag', href: '#/conflicts' }, 'conflict') : null,
            ),
            h('td', {}, f.warpValueError ? h('span', { class: 'error' }, f.warpValueError) : value(f.warpValue)),
            h('td', {}, value(f.lastKnownHubspotValue)),
            h('td', {}, f.hasBase ? value(f.base) : h('span', { class: 'none' }, 'never agreed')),
            h('td', {}, f.enabled ? f.direction : `${f.direction} (off)`),
            h('td', {}, f.conflictRule),
            h('td', {}, timeEl(f.lastSyncedAt)),
          ),
        ),
      ),
    ),
  );
}

function timeline(view: SyncView): HTMLElement {
  if (view.log.items.length === 0) return h('p', {}, 'Nothing in the sync log yet.');
  return h(
    'ol',
    { class: 'timeline' },
    ...view.log.items.map((entry) =>
      h(
        'li',
        { class: `t-${entry.status}` },
        timeEl(entry.createdAt),
        h('strong', {}, ` ${entry.operation}`),
        ` ${entry.direction.replaceAll('_', ' ').toLowerCase()} · ${entry.status}`,
        Object.keys(entry.fields).length ? h('small', {}, ` · ${Object.keys(entry.fields).join(', ')}`) : null,
        entry.errorMessage ? h('p', { class: 'error' }, `${entry.errorCode ?? ''} ${entry.errorMessage}`) : null,
      ),
    ),
  );
}

function summary(view: SyncView): HTMLElement[] {
  return [
    h('div', { class: 'figure' }, h('dt', {}, 'BAN'), h('dd', {}, h('code', {}, view.ban))),
    h(
      'div',
      { class: 'figure' },
      h('dt', {}, 'HubSpot link'),
      h('dd', {}, view.link.status, h('small', {}, view.link.hubspotCompanyId ? ` company ${view.link.hubspotCompanyId}` : ' no company')),
    ),
  ];
}

async function detail(root: HTMLElement, ctx: ScreenContext, customerId: string): Promise<void> {
  const first = await api.customerSync(customerId);
  const said = notice();
  const resync = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        resync.disabled = true;
        try {
          const queued = await api.resync(customerId);
          said.say(`Resync queued (outbox row ${queued.outboxId}); refresh to follow it in the log.`, 'ok');
        } catch (err) {
          if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
          said.say(err instanceof ApiError ? `Resync refused: ${err.message}` : String(err), 'error');
        } finally {
          resync.disabled = false;
        }
      },
    },
    'Resync now',
  );
  const title = h('h1', {}, first.companyName);
  const figures = h('dl', { class: 'figures compact' });
  const mapping = h('div', {});
  const fields = h('div', {});
  const log = h('div', {});
  // Link and unlink read the sync view afresh and repaint it in place, so what the link section
  // said (and the differences a link found) stays on screen beside the new status.
  const paint = (view: SyncView) => {
    title.textContent = view.companyName;
    show(figures, ...summary(view));
    show(mapping, view.mappingError ? h('p', { class: 'notice error' }, `Mapping error: ${view.mappingError}`) : null);
    show(fields, fieldsTable(view));
    show(log, timeline(view));
    link.paint(view);
  };
  const reload = async () => {
    const view = await api.customerSync(customerId);
    if (ctx.alive()) paint(view);
    return view;
  };
  const link = companyLink(ctx, customerId, reload);
  show(
    root,
    h('p', {}, h('a', { href: '#/customer' }, '← Search')),
    title,
    figures,
    mapping,
    h('div', { class: 'actions' }, resync, h('button', { type: 'button', class: 'quiet', onclick: () => ctx.refresh() }, 'Refresh')),
    said.el,
    link.el,
    h('section', { 'aria-labelledby': 'fields' }, h('h2', { id: 'fields' }, 'Fields'), fields),
    h('section', { 'aria-labelledby': 'log' }, h('h2', { id: 'log' }, 'Sync log'), log),
  );
  paint(first);
}

/** Search by name or BAN; one customer's fields on both sides, its HubSpot company (linked by hand) and its sync log. */
export const customerScreen: Screen = async (root, ctx) => {
  const [customerId] = ctx.params;
  if (customerId) return detail(root, ctx, customerId);
  const query = ctx.query.get('q') ?? '';
  show(root, h('h1', {}, 'Customer'), searchForm(query), query ? await results(query) : null);
};
