import { api, ApiError, type Data } from '../api.js';
import { h, notice, show, timeEl, value } from '../dom.js';
import { pollUntil, type Screen, type ScreenContext } from '../screen.js';

type Run = Data<'getReconciliation'>;
const DECISIONS = ['push', 'pull', 'put_back', 'conflict', 'none'] as const;
const RUN_TIMEOUT_MS = 30 * 60_000;

const finished = (run: Run) => run.status === 'SUCCEEDED' || run.status === 'FAILED';

async function start(
  ctx: ScreenContext,
  body: Parameters<typeof api.startReconciliation>[0],
  say: ReturnType<typeof notice>['say'],
): Promise<void> {
  try {
    const run = await api.startReconciliation(body);
    location.hash = `#/reconciliation/${run.id}`;
  } catch (err) {
    if (err instanceof ApiError && err.needsSignIn) return ctx.refresh();
    say(err instanceof ApiError ? `Not started: ${err.message}` : String(err), 'error');
  }
}

function runRow(run: Run): HTMLElement {
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, h('a', { href: `#/reconciliation/${run.id}` }, `Run ${run.id}`)),
    h('td', {}, run.dryRun ? 'dry run' : 'real'),
    h('td', {}, run.mode ?? `${run.customerIds?.length ?? 0} customers`),
    h('td', {}, run.status),
    h('td', {}, timeEl(run.startedAt)),
    h('td', {}, `${run.counts.checked} checked, ${run.counts.changed} to change`),
  );
}

async function runList(root: HTMLElement, ctx: ScreenContext): Promise<void> {
  const runs = await api.reconciliations();
  const said = notice();
  show(
    root,
    h('h1', {}, 'Reconciliation'),
    h('p', {}, 'A dry run compares every customer with HubSpot and reports what a sync would do, changing nothing.'),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => start(ctx, { mode: 'FULL', dryRun: true }, said.say) }, 'Start a dry run'),
    ),
    said.el,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h('caption', {}, 'Recent runs'),
        h('thead', {}, h('tr', {}, ...['Run', 'Kind', 'Scope', 'Status', 'Started', 'Counts'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...runs.items.map(runRow)),
      ),
    ),
  );
}

async function report(run: Run, decision: string | undefined): Promise<HTMLElement> {
  const page = await api.diff(run.id, decision);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'diff' },
      h('caption', {}, `${page.items.length}${page.nextCursor ? '+' : ''} entries${decision ? ` with decision ${decision}` : ''}`),
      h(
        'thead',
        {},
        h('tr', {}, ...['Customer', 'Field', 'WARP', 'HubSpot', 'Decision', 'Reason'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h(
        'tbody',
        {},
        ...page.items.map((d) =>
          h(
            'tr',
            { class: `d-${d.decision}` },
            h('td', {}, h('a', { href: `#/customer/${d.customerId}` }, d.customerId.slice(0, 8))),
            h('th', { scope: 'row' }, d.warpField),
            h('td', {}, value(d.warpValue)),
            h('td', {}, value(d.hubspotValue)),
            h('td', {}, d.decision),
            h('td', {}, d.reason),
          ),
        ),
      ),
    ),
  );
}

function progress(run: Run): HTMLElement {
  const percent = run.progress.percent ?? 0;
  return h(
    'div',
    { class: 'progress' },
    h(
      'label',
      { for: 'run-progress' },
      `${run.status} · ${run.progress.customersChecked} of ${run.progress.customersTotal ?? '?'} customers checked`,
    ),
    h('progress', { id: 'run-progress', max: '100', value: String(percent) }, `${percent}%`),
    run.progress.estimatedFinishAt ? h('p', { class: 'hint' }, 'estimated to finish ', timeEl(run.progress.estimatedFinishAt)) : null,
    run.error ? h('p', { class: 'notice error' }, run.error) : null,
  );
}

async function runDetail(root: HTMLElement, ctx: ScreenContext, runId: string): Promise<void> {
  const said = notice();
  const status = h('div', { 'aria-live': 'polite' });
  const reportArea = h('section', { 'aria-labelledby': 'report' });
  show(root, h('p', {}, h('a', { href: '#/reconciliation' }, '← Runs')), h('h1', {}, `Run ${runId}`), status, said.el, reportArea);
  let run = await api.reconciliation(runId);
  show(status, progress(run));
  // Followed until it finishes; the bar moves as the worker checks customers.
  await pollUntil(
    ctx,
    async () => {
      run = await api.reconciliation(runId);
      show(status, progress(run));
      return finished(run);
    },
    1000,
    RUN_TIMEOUT_MS,
  );
  if (!ctx.alive() || !finished(run)) return;
  show(
    status,
    progress(run),
    h(
      'p',
      {},
      `${run.dryRun ? 'Dry run' : 'Run'} ${run.status.toLowerCase()}: ${run.counts.checked} checked, ${run.counts.changed} ` +
        `${run.dryRun ? 'would change' : 'changed'}, ${run.counts.hubspotCalls} HubSpot calls, ${run.counts.errors} errors.`,
    ),
  );
  if (!run.dryRun || run.status !== 'SUCCEEDED') return;
  const select = h(
    'select',
    { id: 'decision' },
    h('option', { value: '' }, 'every decision'),
    ...DECISIONS.map((d) => h('option', { value: d }, d)),
  );
  const table = h('div', {}, await report(run, undefined));
  select.addEventListener('change', async () => show(table, await report(run, select.value || undefined)));
  const apply = h(
    'button',
    {
      type: 'button',
      onclick: () =>
        start(
          ctx,
          run.customerIds ? { mode: 'FULL', customerIds: run.customerIds, dryRun: false } : { mode: run.mode ?? 'FULL', dryRun: false },
          said.say,
        ),
    },
    'Apply: run it for real',
  );
  show(
    reportArea,
    h('h2', { id: 'report' }, 'Report'),
    h('div', { class: 'inline' }, h('label', { for: 'decision' }, 'Show'), select, apply),
    table,
  );
}

/** Dry runs: start one, follow its progress, read its report by decision, apply it. */
export const reconciliationScreen: Screen = async (root, ctx) => {
  const [runId] = ctx.params;
  return runId ? runDetail(root, ctx, runId) : runList(root, ctx);
};
