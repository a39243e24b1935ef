// Tiny SVG charts for docs/perf-*.svg (no plotting library): grouped bars and lines with axes,
// ticks, legend and labels. Output is deterministic text, diff-friendly.

export interface Series {
  readonly name: string;
  readonly color: string;
  /** Bar charts: one value per group; line charts: [x, y] points. */
  readonly values: ReadonlyArray<number | readonly [number, number]>;
}

const W = 760;
const H = 420;
const M = { left: 80, right: 20, top: 50, bottom: 70 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTick(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function frame(title: string, subtitle: string, yLabel: string, xLabel: string, yMax: number): string[] {
  const ph = H - M.top - M.bottom;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${W / 2}" y="37" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`,
    `<text x="16" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${M.top + ph / 2})">${esc(yLabel)}</text>`,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    const y = M.top + ph - (ph * i) / 5;
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmtTick(v)}</text>`);
  }
  out.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" y1="${M.top + ph}" x2="${W - M.right}" y2="${M.top + ph}" stroke="#333"/>`);
  return out;
}

function legend(series: readonly Series[]): string[] {
  return series.map((s, i) => {
    const x = M.left + 10 + i * 200;
    return `<rect x="${x}" y="${H - 45}" width="12" height="12" fill="${s.color}"/><text x="${x + 18}" y="${H - 35}">${esc(s.name)}</text>`;
  });
}

export function barChart(opts: { title: string; subtitle: string; yLabel: string; xLabel: string; groups: readonly string[]; series: readonly Series[] }): string {
  const values = opts.series.flatMap((s) => s.values as number[]);
  const yMax = niceMax(Math.max(...values.filter(Number.isFinite)));
  const out = frame(opts.title, opts.subtitle, opts.yLabel, opts.xLabel, yMax);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const gw = pw / opts.groups.length;
  const bw = (gw * 0.75) / opts.series.length;
  opts.groups.forEach((g, gi) => {
    const gx = M.left + gi * gw + gw * 0.125;
    out.push(`<text x="${M.left + gi * gw + gw / 2}" y="${M.top + ph + 16}" text-anchor="middle">${esc(g)}</text>`);
    opts.series.forEach((s, si) => {
      const v = s.values[gi] as number;
      if (!Number.isFinite(v)) return;
      const h = (ph * v) / yMax;
      const x = gx + si * bw;
      out.push(`<rect x="${x.toFixed(1)}" y="${(M.top + ph - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"/>`);
      out.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${(M.top + ph - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${fmtTick(v)}</text>`);
    });
  });
  out.push(...legend(opts.series), '</svg>');
  return out.join('\n') + '\n';
}

export function lineChart(opts: { title: string; subtitle: string; yLabel: string; xLabel: string; series: readonly Series[] }): string {
  const pts = opts.series.flatMap((s) => s.values as ReadonlyArray<readonly [number, number]>);
  const yMax = niceMax(Math.max(...pts.map((p) => p[1])));
  const xMax = niceMax(Math.max(...pts.map((p) => p[0])));
  const out = frame(opts.title, opts.subtitle, opts.yLabel, opts.xLabel, yMax);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number): number => M.left + (pw * x) / xMax;
  const py = (y: number): number => M.top + ph - (ph * y) / yMax;
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5;
    out.push(`<text x="${px(x)}" y="${M.top + ph + 16}" text-anchor="middle">${fmtTick(x)}</text>`);
  }
  for (const s of opts.series) {
    const p = s.values as ReadonlyArray<readonly [number, number]>;
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${p.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of p) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
  }
  out.push(...legend(opts.series), '</svg>');
  return out.join('\n') + '\n';
}
