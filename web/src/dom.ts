// Tiny DOM helpers so each panel builds its markup in a few readable lines without a framework.
// Text always goes through textContent, never innerHTML: stream names and events are untrusted.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') el.className = String(value);
    else if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** A titled card; `body` is where the panel puts its content. */
export function panel(title: string, testId: string, area: string): { root: HTMLElement; body: HTMLElement; actions: HTMLElement } {
  const actions = h('div', { class: 'panel-actions' });
  const body = h('div', { class: 'panel-body' });
  const root = h('section', { class: `panel area-${area}`, 'data-testid': testId, 'aria-label': title }, h('header', { class: 'panel-head' }, h('h2', { text: title }), actions), body);
  return { root, body, actions };
}

export function timeOfDay(date: Date): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
