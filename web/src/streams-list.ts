// The active streams from GET /api/live/list, refreshed every few seconds, with their minute_rate
// and fields. Rows are updated in place (keyed by channel) so a click is never lost to a re-render.

import { request } from './api.js';
import { h, panel } from './dom.js';
import { isTimeField, parseFrameMessage } from './frame-series.js';

export interface StreamEntry {
  readonly channel: string;
  readonly minuteRate: number;
  readonly fields: string[];
}

const REFRESH_MS = 3000;

function parseList(body: unknown): { entries: StreamEntry[]; partial: boolean } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { channels, partial } = body as { channels?: unknown; partial?: unknown };
  if (!Array.isArray(channels)) return undefined;
  const entries: StreamEntry[] = [];
  for (const raw of channels) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { channel, minute_rate: rate, data } = raw as { channel?: unknown; minute_rate?: unknown; data?: unknown };
    if (typeof channel !== 'string') continue;
    const schema = parseFrameMessage(data)?.schema;
    const fields = (schema?.fields ?? []).filter((f) => !isTimeField(f) && f.name !== 'labels').map((f) => f.name ?? '?');
    entries.push({ channel, minuteRate: typeof rate === 'number' ? rate : 0, fields: [...new Set(fields)] });
  }
  return { entries, partial: partial === true };
}

interface Row {
  readonly el: HTMLButtonElement;
  readonly rate: HTMLElement;
  readonly fields: HTMLElement;
}

export class StreamsList {
  readonly root: HTMLElement;
  private readonly list = h('ul', { class: 'stream-list', 'data-testid': 'stream-list' });
  private readonly note = h('p', { class: 'muted small', 'data-testid': 'stream-list-note' });
  private readonly rows = new Map<string, Row>();
  private selected: string | undefined;

  constructor(private readonly onSelect: (channel: string) => void) {
    const p = panel('Streams', 'streams', 'streams');
    const refresh = h('button', { class: 'ghost small', type: 'button', title: 'Refresh now', text: 'Refresh' });
    refresh.addEventListener('click', () => void this.refresh());
    p.actions.append(refresh);
    p.body.append(this.list, this.note);
    this.root = p.root;
  }

  start(): void {
    void this.refresh();
    window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  select(channel: string | undefined): void {
    this.selected = channel;
    for (const [key, row] of this.rows) row.el.setAttribute('aria-pressed', String(key === channel));
  }

  async refresh(): Promise<void> {
    const res = await request('api/live/list');
    const parsed = res.error === undefined ? parseList(res.body) : undefined;
    if (parsed === undefined) {
      this.note.textContent = `Could not load the stream list: ${res.error ?? 'unexpected answer'}`;
      this.note.classList.add('error');
      return;
    }
    this.note.classList.remove('error');
    this.render(parsed.entries);
    const base = parsed.entries.length === 0 ? 'No streams yet: push line protocol with the form, or point Telegraf at /api/live/push/<streamId>.' : 'Rates are pushes in the last minute.';
    this.note.textContent = parsed.partial ? `${base} Some nodes did not answer: the list is partial.` : base;
  }

  private render(entries: StreamEntry[]): void {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      seen.add(entry.channel);
      const row = this.rows.get(entry.channel) ?? this.createRow(entry.channel);
      row.rate.textContent = `${entry.minuteRate}/min`;
      row.el.dataset['rate'] = String(entry.minuteRate);
      row.fields.textContent = entry.fields.length > 0 ? entry.fields.join(', ') : '—';
      // Keep the server's order (sorted by channel) without touching rows already in place.
      const li = row.el.parentElement!;
      if (this.list.children[index] !== li) this.list.insertBefore(li, this.list.children[index] ?? null);
    });
    for (const [channel, row] of this.rows) {
      if (seen.has(channel)) continue;
      row.el.parentElement?.remove();
      this.rows.delete(channel);
    }
  }

  private createRow(channel: string): Row {
    const rate = h('span', { class: 'rate' });
    const fields = h('span', { class: 'fields' });
    const el = h('button', { type: 'button', class: 'stream', 'data-testid': 'stream-item', 'data-channel': channel, 'aria-pressed': String(channel === this.selected) }, h('span', { class: 'channel', text: channel }), rate, fields);
    el.addEventListener('click', () => {
      this.select(channel);
      this.onSelect(channel);
    });
    const row = { el, rate, fields };
    this.rows.set(channel, row);
    this.list.append(h('li', {}, el));
    return row;
  }
}
