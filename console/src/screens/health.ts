import { api, type Data } from '../api.js';
import { activityChart } from '../chart.js';
import { figure, h, seconds, show, timeEl } from '../dom.js';
import type { Screen } from '../screen.js';

const HOURS = 6;

type Status = Data<'getSyncStatus'>;

function nextRun(next: Status['nextReconciliation']): HTMLElement | string {
  if (!next) return 'not scheduled here';
  if ('error' in next) return next.error;
  return h('span', {}, timeEl(next.scheduleTime), ` (${next.state ?? 'unknown state'})`);
}

function lastRun(last: Status['lastReconciliation']): HTMLElement | string {
  if (!last) return 'none yet';
  return h(
    'span',
    {},
    h('a', { href: `#/reconciliation/${last.id}` }, `run ${last.id}`),
    ` ${last.status}, `,
    timeEl(last.finishedAt ?? last.startedAt),
  );
}

/** The verdict first, then every figure it is made of, then the activity over the last hours. */
export const healthScreen: Screen = async (root, ctx) => {
  const [status, activity] = await Promise.all([api.status(), api.activity(HOURS)]);
  const budget = status.rateBudget;
  show(
    root,
    h('h1', {}, 'Health'),
    h(
      'section',
      { class: `verdict ${status.healthy ? 'ok' : 'bad'}`, 'aria-labelledby': 'verdict' },
      h('h2', { id: 'verdict' }, status.healthy ? 'Healthy' : 'Needs attention'),
      status.reasons.length
        ? h('ul', { class: 'reasons' }, ...status.reasons.map((r) => h('li', {}, r)))
        : h('p', {}, 'Nothing needs a person.'),
      h(
        'p',
        { class: 'hint' },
        'Checked ',
        timeEl(status.checkedAt),
        ' ',
        h('button', { type: 'button', class: 'quiet', onclick: () => ctx.refresh() }, 'Refresh'),
      ),
    ),
    h(
      'dl',
      { class: 'figures' },
      figure(
        'Outbox backlog',
        `${status.outbox.backlog.count}`,
        h('small', {}, ` oldest ${seconds(status.outbox.backlog.oldestAgeSeconds)}`),
      ),
      figure('Parked (daily limit)', `${status.outbox.parked}`),
      figure(
        'Webhook events waiting',
        `${status.webhookEvents.unprocessed.count}`,
        h('small', {}, ` oldest ${seconds(status.webhookEvents.unprocessed.oldestAgeSeconds)}`),
      ),
      figure(
        'Failures',
        h('a', { href: '#/failures' }, `${status.outbox.failed.count} outbox, ${status.webhookEvents.failed.count} webhook`),
      ),
      figure(
        'Open conflicts',
        h('a', { href: '#/conflicts' }, `${status.conflicts.open}`),
        status.conflicts.oldestOpenedAt ? h('small', {}, ' since ', timeEl(status.conflicts.oldestOpenedAt)) : null,
      ),
      figure('Links needing attention', `${status.customersNeedingAttention.count}`),
      figure(
        'Rate budget',
        `${budget.api.callsInWindow} / ${budget.limitPerWindow}`,
        h('small', {}, ` per ${budget.windowMs / 1000} s`),
        h('meter', {
          min: '0',
          max: String(budget.limitPerWindow),
          value: String(budget.api.callsInWindow),
          'aria-label': 'Calls in the current window',
        }),
        budget.dailyLimit !== null ? h('small', {}, `daily ${budget.dailyCallsUsed} / ${budget.dailyLimit}`) : null,
      ),
      figure('Last reconciliation', lastRun(status.lastReconciliation)),
      figure('Next reconciliation', nextRun(status.nextReconciliation)),
    ),
    h('section', { 'aria-labelledby': 'activity' }, h('h2', { id: 'activity' }, 'Activity'), activityChart(activity)),
  );
};
