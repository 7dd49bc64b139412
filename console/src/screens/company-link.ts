import { api, ApiError, type Data } from '../api.js';
import { h, notice, show, value } from '../dom.js';
import { pollUntil, type ScreenContext } from '../screen.js';

type SyncView = Data<'getCustomerSync'>;
type Candidate = Data<'searchCustomerCompanyCandidates'>['items'][number];
type Linked = Data<'linkCustomerCompany'>;

/** How long the console follows an unlink until the sync has carried it to HubSpot. */
const UNLINK_SETTLE_TIMEOUT_MS = 60_000;

export interface CompanyLink {
  el: HTMLElement;
  /** Shows the link as `view` has it: the Unlink control appears only while there is a live company. */
  paint(view: SyncView): void;
}

/** The API's refusal as an operator needs it: its code and message, and the customer it names, if any. */
function refusal(say: ReturnType<typeof notice>, what: string, err: unknown): void {
  if (!(err instanceof ApiError)) return say.say(`${what}: ${String(err)}`, 'error');
  say.say(`${what}: ${err.code} — ${err.message}`, 'error');
  const other = err.details.linkedCustomerId;
  if (err.code === 'COMPANY_ALREADY_LINKED' && typeof other === 'string') {
    say.el.append(' It is linked to customer ', h('a', { href: `#/customer/${encodeURIComponent(other)}` }, other), '.');
  }
}

function shown(v: unknown): HTMLElement {
  if (v === null || v === undefined) return value(null);
  return value(typeof v === 'string' ? v : JSON.stringify(v));
}

/** What the link found: fields both sides agree on, and those the first sync settles by their rule. */
function linkOutcome(linked: Linked): HTMLElement {
  const agreed = linked.agreedFields.length
    ? h('p', {}, `Agreed on both sides (now their base): ${linked.agreedFields.join(', ')}.`)
    : h('p', {}, 'No mapped field held the same value on both sides.');
  if (linked.differences.length === 0)
    return h('div', { class: 'link-outcome' }, agreed, h('p', {}, 'No differences: nothing for the first sync to settle.'));
  return h(
    'div',
    { class: 'link-outcome' },
    agreed,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'differences' },
        h('caption', {}, 'Differences, settled by rule in the first sync'),
        h('thead', {}, h('tr', {}, ...['Field', 'WARP', 'HubSpot', 'Direction', 'Rule'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          ...linked.differences.map((d) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, d.warpField, h('small', {}, ` → ${d.hubspotProperty}`)),
              h('td', {}, shown(d.warpValue)),
              h('td', {}, shown(d.hubspotValue)),
              h('td', {}, d.direction),
              h('td', {}, d.conflictRule),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * The customer's HubSpot company, linked by hand: HubSpot's own search for candidates, Link on
 * one of them, and Unlink behind a confirm step. `reload` reads the customer's sync view afresh
 * and repaints the screen with it.
 */
export function companyLink(ctx: ScreenContext, customerId: string, reload: () => Promise<SyncView>): CompanyLink {
  const said = notice();
  const state = h('p', { class: 'link-state' });
  const controls = h('div', { class: 'actions' });
  const outcome = h('div', {});
  const heading = h('h2', { id: 'company-link', tabindex: '-1' }, 'HubSpot company');
  const query = h('input', {
    id: 'candidate-search',
    type: 'search',
    name: 'q',
    required: true,
    minlength: '2',
    maxlength: '200',
    placeholder: 'Name, domain or phone',
  });
  const found = h('div', {});
  let current: SyncView | undefined;

  /** Keeps keyboard focus inside the section when a repaint removes the focused control. */
  const keepFocus = (box: HTMLElement, repaint: () => void) => {
    const hadFocus = box.contains(document.activeElement);
    repaint();
    if (hadFocus && !box.contains(document.activeElement)) heading.focus();
  };

  const paintControls = (confirming = false) =>
    keepFocus(controls, () => {
      const view = current;
      const companyId = view?.link.hubspotCompanyId;
      if (!view || !companyId || view.link.status === 'DETACHED') return show(controls);
      if (!confirming) {
        return show(controls, h('button', { type: 'button', class: 'quiet', onclick: () => paintControls(true) }, 'Unlink'));
      }
      const confirm = h('button', { type: 'button', class: 'danger', onclick: () => void unlink(confirm) }, 'Confirm unlink');
      show(
        controls,
        h(
          'p',
          { class: 'confirm' },
          `Unlink from HubSpot company ${companyId}? The company stays in HubSpot with ` +
            `its warp_ban cleared; this customer is not synced until it is linked again.`,
        ),
        confirm,
        h('button', { type: 'button', class: 'quiet', onclick: () => paintControls(false) }, 'Cancel'),
      );
      confirm.focus();
    });

  async function unlink(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    show(outcome);
    try {
      const unlinked = await api.unlink(customerId);
      said.say(
        `Unlinked from HubSpot company ${unlinked.companyId} (outbox row ${unlinked.outboxId}); the sync is clearing warp_ban on it…`,
        'info',
      );
      await reload();
      const cleared = await pollUntil(ctx, async () => (await reload()).link.hubspotCompanyId === null, 1000, UNLINK_SETTLE_TIMEOUT_MS);
      if (!ctx.alive()) return;
      if (cleared)
        said.say(
          `Unlinked: the sync cleared warp_ban on HubSpot company ` +
            `${unlinked.companyId}; this customer is not synced until it is linked again.`,
          'ok',
        );
      else
        said.say(`Unlinked; the sync has not cleared warp_ban on HubSpot company ${unlinked.companyId} yet. Refresh to follow it.`, 'info');
    } catch (err) {
      if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
      button.disabled = false;
      refusal(said, 'Not unlinked', err);
    }
  }

  async function link(candidate: Candidate, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const linked = await api.link(customerId, { companyId: candidate.companyId });
      const previously =
        linked.previousCompanyId && linked.previousCompanyId !== linked.companyId ? ` (previously ${linked.previousCompanyId})` : '';
      const stamp = linked.outboxId ? `; outbox row ${linked.outboxId} stamps warp_ban on it` : '';
      said.say(`Linked to HubSpot company ${linked.companyId}${previously}${stamp}.`, 'ok');
      show(outcome, linkOutcome(linked));
      show(found);
      await reload();
    } catch (err) {
      if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
      button.disabled = false;
      refusal(said, `Not linked to ${candidate.name ?? `company ${candidate.companyId}`}`, err);
    }
  }

  function candidateItem(c: Candidate): HTMLElement {
    const name = c.name ?? `Company ${c.companyId}`;
    const where = [c.city, c.country].filter(Boolean).join(', ');
    let action: HTMLElement;
    if (c.linkedCustomerId) {
      const holder =
        c.linkedCustomerId === customerId
          ? 'linked to this customer'
          : h(
              'span',
              {},
              'linked to customer ',
              h('a', { href: `#/customer/${encodeURIComponent(c.linkedCustomerId)}` }, c.linkedCustomerId),
            );
      action = h(
        'span',
        { class: 'holder' },
        h('button', { type: 'button', disabled: true }, 'Link', h('span', { class: 'visually-hidden' }, ` to ${name}`)),
        ' ',
        holder,
      );
    } else {
      const button: HTMLButtonElement = h(
        'button',
        { type: 'button', onclick: () => void link(c, button) },
        'Link',
        h('span', { class: 'visually-hidden' }, ` to ${name}`),
      );
      action = button;
    }
    return h(
      'li',
      { class: 'candidate' },
      h(
        'div',
        {},
        h('strong', {}, name),
        ' ',
        h('small', {}, 'company ', h('code', {}, c.companyId)),
        h('br', {}),
        h('span', { class: 'hint' }, [c.domain ?? 'no domain', where || 'no city or country'].join(' · ')),
        c.warpBan ? h('span', { class: 'hint' }, ' · warp_ban ', h('code', {}, c.warpBan)) : null,
      ),
      action,
    );
  }

  async function search(q: string): Promise<void> {
    show(found, h('p', { class: 'hint', role: 'status' }, `Searching HubSpot for “${q}”…`));
    try {
      const page = await api.companyCandidates(customerId, q);
      if (!ctx.alive()) return;
      if (page.items.length === 0) return show(found, h('p', { role: 'status' }, `No HubSpot company matches “${q}”.`));
      show(
        found,
        h('ul', { class: 'results candidates', 'aria-label': `HubSpot companies matching “${q}”` }, ...page.items.map(candidateItem)),
      );
    } catch (err) {
      if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
      show(found);
      refusal(said, 'Search failed', err);
    }
  }

  const form = h(
    'form',
    {
      role: 'search',
      class: 'inline',
      'aria-label': 'HubSpot companies',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const q = query.value.trim();
        if (q.length >= 2) void search(q);
      },
    },
    h('label', { for: 'candidate-search' }, 'Search HubSpot companies'),
    query,
    h('button', { type: 'submit' }, 'Search'),
  );

  const el = h(
    'section',
    { 'aria-labelledby': 'company-link', class: 'company-link' },
    heading,
    state,
    controls,
    said.el,
    outcome,
    form,
    found,
  );

  return {
    el,
    paint(view) {
      current = view;
      const companyId = view.link.hubspotCompanyId;
      show(
        state,
        'Status ',
        h('strong', {}, view.link.status),
        companyId ? ' · company ' : ' · no company',
        companyId ? h('code', {}, companyId) : null,
        view.link.status === 'DETACHED' && companyId ? h('span', { class: 'hint' }, ' · the unlink is being carried to HubSpot') : null,
      );
      paintControls(false);
    },
  };
}
