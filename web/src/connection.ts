// The one Centrifuge connection of this tab, made like Grafana's frontend does it (URL
// <app>/api/live/ws, timeout 30 s), with centrifuge-js's fallbacks after the WebSocket: HTTP-streaming,
// then SSE, for networks whose proxies block WebSocket upgrades. It turns the client's events into the
// state the header shows ("connected · over http_stream", "connecting…", "live connection lost") and
// hands out channel subscriptions.

import { Centrifuge, type Subscription } from 'centrifuge';
import { liveEmulationUrl, liveTransports } from './api.js';
import { h, timeOfDay } from './dom.js';

export type LiveState = 'connecting' | 'connected' | 'lost' | 'disconnected';

export interface StateInfo {
  readonly state: LiveState;
  /** Close code and reason of the last drop, or the connect's client id and transport. */
  readonly detail: string;
  /** When the current state began (ms). */
  readonly since: number;
}

export interface ChannelListener {
  /** The subscribe's initial data (a stream's last frame, a broadcast's last message), if any. */
  onSubscribed?(data: unknown): void;
  onPublication(data: unknown): void;
  /** Subscription status for display: subscribing / subscribed / error text. */
  onStatus?(status: 'subscribing' | 'subscribed' | 'error', detail: string): void;
}

export class LiveConnection {
  readonly client: Centrifuge;
  private info: StateInfo = { state: 'connecting', detail: '', since: Date.now() };
  private everConnected = false;
  private readonly listeners = new Set<(info: StateInfo) => void>();

  /** The transport of the current (or last) connection: websocket, http_stream or sse. */
  transport = '';

  constructor() {
    // Grafana passes only `timeout`; a shorter max back-off lets the console recover within ~10 s.
    this.client = new Centrifuge(liveTransports(), { timeout: 30_000, maxReconnectDelay: 10_000, emulationEndpoint: liveEmulationUrl() });
    this.client.on('connecting', (ctx) => {
      // After a successful connect, "connecting" means the socket dropped and the client retries.
      this.set(this.everConnected ? 'lost' : 'connecting', ctx.code === 0 ? '' : `${ctx.reason} (${ctx.code})`);
    });
    this.client.on('connected', (ctx) => {
      this.everConnected = true;
      // The console speaks JSON (centrifuge-js's default build); the transport is whichever worked.
      this.transport = ctx.transport;
      this.set('connected', `client ${ctx.client.slice(0, 8)} · over ${ctx.transport} (json)`);
    });
    this.client.on('disconnected', (ctx) => this.set('disconnected', `${ctx.reason} (${ctx.code})`));
  }

  get state(): StateInfo {
    return this.info;
  }

  connect(): void {
    this.client.connect();
  }

  onState(listener: (info: StateInfo) => void): void {
    this.listeners.add(listener);
    listener(this.info);
  }

  /** Subscribes to a tenant-prefixed channel (replacing an earlier subscription to it); returns the unsubscribe. */
  subscribe(channel: string, listener: ChannelListener): () => void {
    const existing = this.client.getSubscription(channel);
    if (existing !== null) this.client.removeSubscription(existing);
    const sub: Subscription = this.client.newSubscription(channel);
    sub.on('subscribing', () => listener.onStatus?.('subscribing', ''));
    sub.on('subscribed', (ctx) => {
      listener.onStatus?.('subscribed', '');
      if (ctx.data !== undefined && ctx.data !== null) listener.onSubscribed?.(ctx.data);
    });
    sub.on('publication', (ctx) => listener.onPublication(ctx.data));
    sub.on('error', (ctx) => listener.onStatus?.('error', `${ctx.error.message} (${ctx.error.code})`));
    sub.on('unsubscribed', (ctx) => {
      // Code 0 is our own unsubscribe; anything else is the server ending it for good.
      if (ctx.code !== 0) listener.onStatus?.('error', `unsubscribed: ${ctx.reason} (${ctx.code})`);
    });
    sub.subscribe();
    return () => {
      if (this.client.getSubscription(channel) === sub) this.client.removeSubscription(sub);
    };
  }

  private set(state: LiveState, detail: string): void {
    // Repeated "connecting" events during one outage keep the outage's start time.
    const since = state === this.info.state ? this.info.since : Date.now();
    this.info = { state, detail, since };
    for (const listener of this.listeners) listener(this.info);
  }
}

const LABELS: Record<LiveState, string> = {
  connecting: 'connecting…',
  connected: 'connected',
  lost: 'live connection lost',
  disconnected: 'disconnected',
};

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The header badge: a coloured dot, the state word and a detail line that ticks during outages. */
export function connectionBadge(connection: LiveConnection): HTMLElement {
  const label = h('span', { class: 'conn-label', 'data-testid': 'connection-label' });
  const detail = h('span', { class: 'conn-detail', 'data-testid': 'connection-detail' });
  const root = h('div', { class: 'conn', 'data-testid': 'connection-state', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), label, detail);
  let lostAt: number | undefined;
  let recovered = '';
  const render = (): void => {
    const { state, detail: why, since } = connection.state;
    root.dataset['state'] = state;
    root.dataset['transport'] = connection.transport;
    label.textContent = LABELS[state];
    const elapsed = seconds(Date.now() - since);
    if (state === 'lost') detail.textContent = `reconnecting… down ${elapsed}${why ? ` · ${why}` : ''}`;
    else if (state === 'connecting') detail.textContent = why ? `retrying · ${why}` : 'opening connection';
    else if (state === 'disconnected') detail.textContent = `${why} · reload to retry`;
    else detail.textContent = `${why} · since ${timeOfDay(new Date(since))}${recovered}`;
  };
  connection.onState((info) => {
    if (info.state === 'lost' && lostAt === undefined) lostAt = info.since;
    if (info.state === 'connected' && lostAt !== undefined) {
      // Say how long the outage lasted, so a recovery is visible and not just a colour change.
      recovered = ` · recovered after ${seconds(info.since - lostAt)}`;
      lostAt = undefined;
    }
    render();
  });
  window.setInterval(render, 1000);
  return root;
}
