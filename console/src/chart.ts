import type { Data } from './api.js';
import { h } from './dom.js';

type Activity = Data<'getSyncActivity'>;
const STATUSES = ['SUCCESS', 'SKIPPED', 'RETRYING', 'CONFLICT', 'FAILED'] as const;
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 160;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/**
 * Sync operations per minute, stacked by status, over the activity window; the totals per
 * status follow as a table, which is what a screen reader reads.
 */
export function activityChart(activity: Activity): HTMLElement {
  const from = Date.parse(activity.from);
  const minutes = Math.max(1, Math.round((Date.parse(activity.to) - from) / 60_000));
  const peak = Math.max(1, ...activity.minutes.map((m) => STATUSES.reduce((n, s) => n + m.counts[s], 0)));
  const barWidth = WIDTH / minutes;
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', class: 'chart', 'aria-hidden': 'true' });
  chart.append(svg('line', { x1: 0, y1: HEIGHT - 0.5, x2: WIDTH, y2: HEIGHT - 0.5, class: 'axis' }));
  for (const m of activity.minutes) {
    const x = ((Date.parse(m.minute) - from) / 60_000) * barWidth;
    let y = HEIGHT;
    for (const status of STATUSES) {
      const height = (m.counts[status] / peak) * (HEIGHT - 4);
      if (height === 0) continue;
      y -= height;
      const bar = svg('rect', { x, y, width: Math.max(barWidth, 1), height, class: `bar s-${status}` });
      bar.append(svg('title', {}));
      bar.firstChild!.textContent = `${new Date(m.minute).toLocaleTimeString()}: ${m.counts[status]} ${status}`;
      chart.append(bar);
    }
  }
  const totals = STATUSES.map((s) => [s, activity.minutes.reduce((n, m) => n + m.counts[s], 0)] as const);
  const hours = Math.round(minutes / 60);
  return h(
    'figure',
    { class: 'activity' },
    chart,
    h(
      'figcaption',
      {},
      `Sync operations per minute, last ${hours} h (peak ${activity.minutes.length ? peak : 0} per minute)`,
      h(
        'table',
        { class: 'legend' },
        h('caption', { class: 'visually-hidden' }, `Sync operations by status, last ${hours} h`),
        h(
          'tbody',
          {},
          ...totals.map(([status, n]) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, h('span', { class: `swatch s-${status}`, 'aria-hidden': 'true' }), status),
              h('td', {}, String(n)),
            ),
          ),
        ),
      ),
    ),
  );
}
