// The live chart of the selected stream: subscribes to `<orgId>/<channel>`, feeds the SeriesStore
// and draws it with uPlot, one line per series. Renders at most once per animation frame, and only
// rebuilds the plot when the set of series changes (otherwise setData keeps it cheap).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LiveConnection } from './connection.js';
import { h, panel, timeOfDay } from './dom.js';
import { SeriesStore } from './series-store.js';
import { fullChannel } from './settings.js';

const MAX_POINTS = 300;
// Distinguishable on light and dark backgrounds.
const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#eab308', '#06b6d4', '#ec4899', '#84cc16', '#94a3b8'];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export class ChartPanel {
  readonly root: HTMLElement;
  private readonly title = h('span', { class: 'chart-channel muted', text: 'no stream selected' });
  private readonly status = h('p', { class: 'chart-status muted small', 'data-testid': 'chart-status' });
  private readonly area = h('div', { class: 'chart', 'data-testid': 'chart', 'data-points': '0', 'data-series': '0' });
  private readonly placeholder = h('div', { class: 'chart-empty', text: 'Select a stream to plot it live.' });
  private readonly store = new SeriesStore(MAX_POINTS);
  private plot: uPlot | undefined;
  private signature = '';
  private channel: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private frameRequested = false;
  private messages = 0;
  private lastUpdate: Date | undefined;
  private warning = '';

  constructor(private readonly connection: LiveConnection) {
    const p = panel('Live chart', 'chart-panel', 'chart');
    p.actions.append(this.title);
    this.area.append(this.placeholder);
    p.body.append(this.area, this.status);
    this.root = p.root;
    new ResizeObserver(() => this.resize()).observe(this.area);
    // Canvas colours are fixed at creation, so a theme switch needs a new plot.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.rebuild());
  }

  show(channel: string): void {
    this.unsubscribe?.();
    this.channel = channel;
    this.store.clear();
    this.messages = 0;
    this.warning = '';
    this.title.textContent = channel;
    this.area.dataset['channel'] = channel;
    this.placeholder.textContent = 'Waiting for data…';
    this.unsubscribe = this.connection.subscribe(fullChannel(channel), {
      onSubscribed: (data) => this.apply(data),
      onPublication: (data) => this.apply(data),
      onStatus: (status, detail) => {
        this.warning = status === 'error' ? detail : '';
        this.status.dataset['subscription'] = status;
        this.renderStatus();
      },
    });
    this.requestRender();
  }

  private apply(data: unknown): void {
    const result = this.store.apply(data);
    this.messages++;
    this.lastUpdate = new Date();
    this.warning = result.kind === 'ignored' ? `message ignored: ${result.reason}` : '';
    this.requestRender();
  }

  private requestRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.render();
    });
  }

  private render(): void {
    const series = this.store.list();
    const data = this.store.aligned();
    this.area.dataset['points'] = String(data[0].length);
    this.area.dataset['series'] = String(series.length);
    this.placeholder.hidden = series.length > 0;
    const signature = series.map((s) => s.key).join('\n');
    if (series.length === 0) this.destroy();
    else if (this.plot === undefined || signature !== this.signature) this.create(series.map((s) => s.label), data);
    else this.plot.setData(data);
    this.signature = signature;
    this.renderStatus();
  }

  private renderStatus(): void {
    if (this.channel === undefined) return;
    const series = this.store.list();
    const points = series.reduce((n, s) => n + s.points, 0);
    const parts = [`${series.length} series`, `${points} points (last ${MAX_POINTS} per series)`, `${this.messages} messages`];
    if (this.lastUpdate) parts.push(`updated ${timeOfDay(this.lastUpdate)}`);
    this.status.textContent = parts.join(' · ');
    if (this.warning !== '') this.status.append(h('span', { class: 'warn', text: ` · ${this.warning}` }));
  }

  private size(): { width: number; height: number } {
    const width = Math.max(200, this.area.clientWidth);
    return { width, height: width < 560 ? 220 : 300 };
  }

  private create(labels: string[], data: uPlot.AlignedData): void {
    this.destroy();
    const axis = cssVar('--muted', '#6b7280');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const options: uPlot.Options = {
      ...this.size(),
      ms: 1, // frame times are epoch milliseconds
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [axisStyle, { ...axisStyle, size: 56 }],
      series: [
        { label: 'time' },
        ...labels.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length]!, width: 1.5, spanGaps: true, points: { show: false } })),
      ],
    };
    this.plot = new uPlot(options, data, this.area);
  }

  private rebuild(): void {
    this.destroy();
    this.signature = '';
    this.requestRender();
  }

  private destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private resize(): void {
    this.plot?.setSize(this.size());
  }
}
