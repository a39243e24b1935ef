// Dashboard events and broadcast messages as they arrive, newest first. The user picks what to
// watch: a dashboard uid (`grafana/dashboard/uid/<uid>`) or a broadcast channel; each watch is a
// subscription shown as a chip with its status.

import type { LiveConnection } from './connection.js';
import { h, panel, timeOfDay } from './dom.js';
import { publishForm } from './publish-form.js';
import { fullChannel } from './settings.js';

const MAX_EVENTS = 100;
export const DEFAULT_BROADCAST = 'grafana/broadcast/console';

type Kind = 'dashboard' | 'broadcast';

function summary(kind: Kind, data: unknown): string {
  if (kind !== 'dashboard' || typeof data !== 'object' || data === null) return '';
  const { action, uid, user, message } = data as { action?: unknown; uid?: unknown; user?: unknown; message?: unknown };
  const parts = [typeof action === 'string' ? action : 'event', typeof uid === 'string' ? uid : ''];
  if (typeof user === 'object' && user !== null) {
    const { login, name } = user as { login?: unknown; name?: unknown };
    const who = typeof login === 'string' ? login : typeof name === 'string' ? name : '';
    if (who !== '') parts.push(`by ${who}`);
  }
  if (typeof message === 'string' && message !== '') parts.push(`“${message}”`);
  return parts.filter((p) => p !== '').join(' ');
}

/** `x` → `grafana/broadcast/x`; a full `grafana/broadcast/…` channel is kept. */
export function broadcastChannel(input: string): string {
  const text = input.trim().replace(/^\/+/, '');
  return text.startsWith('grafana/broadcast/') ? text : `grafana/broadcast/${text}`;
}

export class EventsPanel {
  readonly root: HTMLElement;
  private readonly list = h('ol', { class: 'events', 'data-testid': 'events', reversed: true });
  private readonly empty = h('p', { class: 'muted small', text: 'No events yet. Watch a dashboard or publish to the broadcast channel.' });
  private readonly chips = h('div', { class: 'chips', 'data-testid': 'watches' });
  private readonly watches = new Map<string, { chip: HTMLElement; stop: () => void }>();
  /** Last payload per channel: a resubscribe after a reconnect re-delivers it as initial data. */
  private readonly lastJson = new Map<string, string>();

  constructor(private readonly connection: LiveConnection) {
    const p = panel('Events', 'events-panel', 'events');
    const uid = h('input', { name: 'uid', placeholder: 'dashboard uid', 'aria-label': 'Dashboard uid', 'data-testid': 'dashboard-uid', autocomplete: 'off', spellcheck: false });
    const watchDashboard = h('form', { class: 'inline-form' }, uid, h('button', { type: 'submit', text: 'Watch dashboard' }));
    watchDashboard.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = uid.value.trim();
      if (value !== '') this.watch('dashboard', `grafana/dashboard/uid/${value}`);
      uid.value = '';
    });
    const channel = h('input', { name: 'broadcast', value: DEFAULT_BROADCAST, 'aria-label': 'Broadcast channel', 'data-testid': 'broadcast-channel', autocomplete: 'off', spellcheck: false });
    const watchBroadcast = h('form', { class: 'inline-form' }, channel, h('button', { type: 'submit', text: 'Subscribe' }));
    watchBroadcast.addEventListener('submit', (e) => {
      e.preventDefault();
      if (channel.value.trim() !== '') this.watch('broadcast', broadcastChannel(channel.value));
    });
    const publish = publishForm(() => broadcastChannel(channel.value));
    p.body.append(watchDashboard, watchBroadcast, publish, this.chips, this.empty, this.list);
    this.root = p.root;
  }

  /** Subscribes to an unprefixed channel and lists what arrives on it. */
  watch(kind: Kind, channel: string): void {
    if (this.watches.has(channel)) return;
    const state = h('span', { class: 'chip-state', text: '…' });
    const close = h('button', { type: 'button', class: 'chip-close', 'aria-label': `Stop watching ${channel}`, text: '×' });
    const chip = h('span', { class: `chip ${kind}`, 'data-channel': channel, title: channel }, h('span', { class: 'chip-name', text: channel.replace(/^grafana\//, '') }), state, close);
    const stop = this.connection.subscribe(fullChannel(channel), {
      onSubscribed: (data) => this.add(kind, channel, data, true),
      onPublication: (data) => this.add(kind, channel, data, false),
      onStatus: (status, detail) => {
        chip.dataset['status'] = status;
        state.textContent = status === 'error' ? detail : status;
      },
    });
    close.addEventListener('click', () => {
      stop();
      chip.remove();
      this.watches.delete(channel);
    });
    this.watches.set(channel, { chip, stop });
    this.chips.append(chip);
  }

  private add(kind: Kind, channel: string, data: unknown, initial: boolean): void {
    const text = summary(kind, data);
    const json = JSON.stringify(data, null, 2) ?? String(data);
    if (initial && this.lastJson.get(channel) === json) return;
    this.lastJson.set(channel, json);
    const item = h(
      'li',
      { class: `event ${kind}`, 'data-testid': 'event', 'data-kind': kind, 'data-channel': channel },
      h('div', { class: 'event-head' }, h('span', { class: `badge ${kind}`, text: kind }), h('span', { class: 'event-channel', text: channel.replace(/^grafana\/(dashboard\/uid|broadcast)\//, '') }), h('time', { class: 'muted', text: timeOfDay(new Date()) })),
      text !== '' ? h('div', { class: 'event-summary', text }) : null,
      initial ? h('div', { class: 'muted small', text: 'last message (initial data of the subscription)' }) : null,
      h('pre', { class: 'event-json', text: json }),
    );
    this.list.prepend(item);
    while (this.list.children.length > MAX_EVENTS) this.list.lastElementChild?.remove();
    this.empty.hidden = true;
  }
}
