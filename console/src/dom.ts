type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | boolean | undefined | ((event: Event) => void)>;

/** An element with attributes, listeners (`on*`) and children; text is always set as text, never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (typeof value === 'string') el.setAttribute(name, value);
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
}

export function timeEl(iso: string | null | undefined): HTMLElement {
  return iso ? h('time', { datetime: iso }, when(iso)) : h('span', {}, '—');
}

export function value(v: string | null | undefined): HTMLElement {
  return v === null || v === undefined ? h('span', { class: 'none' }, 'empty') : h('code', {}, v);
}

export function seconds(age: number | null): string {
  if (age === null) return '—';
  if (age < 120) return `${age} s`;
  if (age < 7200) return `${Math.round(age / 60)} min`;
  return `${Math.round(age / 3600)} h`;
}

/** A labelled figure: the dashboard's unit. */
export function figure(label: string, ...content: Child[]): HTMLElement {
  return h('div', { class: 'figure' }, h('dt', {}, label), h('dd', {}, ...content));
}

/** A region that announces what an action did (or why it failed). */
export function notice(): { el: HTMLElement; say(text: string, kind?: 'ok' | 'error' | 'info'): void } {
  const el = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    say(text, kind = 'info') {
      el.className = `notice ${kind}`;
      el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
      el.textContent = text;
    },
  };
}
