import { api, ApiError, type Data } from '../api.js';
import { h, notice, show, timeEl, value } from '../dom.js';
import { pollUntil, type Screen, type ScreenContext } from '../screen.js';

type Conflict = Data<'listSyncConflicts'>['items'][number];
type Resolved = Data<'resolveSyncConflict'>;

const SETTLE_TIMEOUT_MS = 60_000;

/** Follows the RESYNC a resolution queued until the worker logged it. */
async function settle(ctx: ScreenContext, resolved: Resolved, say: ReturnType<typeof notice>['say']): Promise<void> {
  let outcome: string | undefined;
  const settled = await pollUntil(
    ctx,
    async () => {
      const view = await api.customerSync(resolved.customerId);
      const done = view.log.items.find(
        (e) => e.outboxId === resolved.outboxId && e.operation !== 'RESOLVE_CONFLICT' && e.status !== 'RETRYING',
      );
      if (done) outcome = done.status === 'FAILED' ? `the resync failed: ${done.errorMessage ?? done.errorCode}` : undefined;
      return done !== undefined;
    },
    1000,
    SETTLE_TIMEOUT_MS,
  );
  if (!ctx.alive()) return;
  if (!settled) say(`Resolved; the resync (outbox row ${resolved.outboxId}) has not run yet. Check the customer's sync log later.`, 'info');
  else if (outcome) say(`Resolved, but ${outcome}`, 'error');
  else
    say(
      `Settled: both WARP and HubSpot hold ${resolved.value === null ? 'an empty value' : `“${resolved.value}”`} ` +
        `for ${resolved.field}.`,
      'ok',
    );
}

function conflictCard(ctx: ScreenContext, c: Conflict): HTMLElement {
  const said = notice();
  const say = said.say;
  const buttons: HTMLButtonElement[] = [];
  const resolve = (take: 'warp' | 'hubspot') => async () => {
    for (const b of buttons) b.disabled = true;
    try {
      const resolved = await api.resolveConflict({ customerId: c.customerId, field: c.warpField, take });
      card.classList.add('resolved');
      say(`Resolved with ${take === 'warp' ? 'WARP' : 'HubSpot'}'s value; waiting for the resync to reach the other side…`, 'info');
      await settle(ctx, resolved, say);
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
      say(err instanceof ApiError ? `Not resolved: ${err.message}` : String(err), 'error');
    }
  };
  buttons.push(
    h('button', { type: 'button', onclick: resolve('warp') }, 'Keep WARP value'),
    h('button', { type: 'button', onclick: resolve('hubspot') }, 'Keep HubSpot value'),
  );
  const side = (label: string, v: string | null, at: string | null) =>
    h('div', { class: 'side' }, h('h3', {}, label), value(v), h('p', { class: 'hint' }, 'changed ', timeEl(at)));
  const card = h(
    'article',
    { class: 'conflict', 'aria-labelledby': `c-${c.customerId}-${c.warpField}` },
    h(
      'h2',
      { id: `c-${c.customerId}-${c.warpField}` },
      h('a', { href: `#/customer/${c.customerId}` }, c.companyName),
      ' · ',
      h('code', {}, c.warpField),
    ),
    h('p', { class: 'hint' }, h('code', {}, c.ban), ` · HubSpot property ${c.hubspotProperty} · open since `, timeEl(c.openedAt)),
    h('div', { class: 'sides' }, side('WARP', c.warpValue, c.warpChangedAt), side('HubSpot', c.hubspotValue, c.hubspotChangedAt)),
    h('div', { class: 'actions' }, ...buttons),
    said.el,
  );
  return card;
}

/** Open MANUAL conflicts, each settled with one click. */
export const conflictsScreen: Screen = async (root, ctx) => {
  const page = await api.conflicts();
  show(
    root,
    h('h1', {}, 'Conflicts'),
    h(
      'p',
      {},
      page.items.length ? `${page.items.length}${page.nextCursor ? '+' : ''} open MANUAL conflicts, oldest first.` : 'No open conflicts.',
    ),
    ...page.items.map((c) => conflictCard(ctx, c)),
  );
};
