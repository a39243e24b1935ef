// Deterministic Telegraf-like ingest data for bench/ingest.ts: the default inputs of a Telegraf
// agent (cpu per core + total, mem, disk, diskio, net, system, processes) for several hosts over
// consecutive intervals, as line protocol and as the same points encoded as JSON arrays.

/** One generated point; values keep their line-protocol kind. */
interface GenPoint {
  measurement: string;
  tags: [string, string][];
  fields: [string, GenValue][];
  /** Nanoseconds since the epoch. */
  time: bigint;
}

type GenValue = { f: number } | { i: number } | { s: string } | { b: boolean };

/** Small seeded PRNG (mulberry32) so every run benchmarks the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function intervalPoints(host: string, tick: number, base: bigint, rand: () => number): GenPoint[] {
  const common: [string, string][] = [
    ['dc', 'eu-west-1a'],
    ['host', host],
  ];
  // Each host runs its own agent: gathers of one interval land at host-specific times.
  const jitter = Math.floor(rand() * 5e7);
  const at = (offsetNs: number): bigint => base + BigInt(tick) * 10_000_000_000n + BigInt(offsetNs + jitter);
  // Full float64 precision, as Telegraf writes percentages (e.g. 2.0040080160320644).
  const pct = (): GenValue => ({ f: rand() * 100 });
  const big = (scale: number): GenValue => ({ i: Math.floor(rand() * scale) });
  const out: GenPoint[] = [];

  // inputs.cpu: one gather time for all cores and the total.
  const cpuTime = at(1_234_567);
  for (const cpu of ['cpu0', 'cpu1', 'cpu2', 'cpu3', 'cpu4', 'cpu5', 'cpu6', 'cpu7', 'cpu-total']) {
    out.push({
      measurement: 'cpu',
      tags: [['cpu', cpu], ...common],
      fields: [
        ['usage_user', pct()],
        ['usage_system', pct()],
        ['usage_idle', pct()],
        ['usage_nice', { f: 0 }],
        ['usage_iowait', pct()],
        ['usage_irq', { f: 0 }],
        ['usage_softirq', pct()],
        ['usage_steal', { f: 0 }],
        ['usage_guest', { f: 0 }],
        ['usage_guest_nice', { f: 0 }],
      ],
      time: cpuTime,
    });
  }
  out.push({
    measurement: 'mem',
    tags: [...common],
    fields: [
      ['active', big(8e9)],
      ['available', big(16e9)],
      ['available_percent', pct()],
      ['buffered', big(1e9)],
      ['cached', big(4e9)],
      ['free', big(2e9)],
      ['total', { i: 17179869184 }],
      ['used', big(8e9)],
      ['used_percent', pct()],
    ],
    time: at(2_345_678),
  });
  const diskTime = at(3_456_789);
  for (const [path, device] of [
    ['/', 'nvme0n1p2'],
    ['/boot', 'nvme0n1p1'],
    ['/var/lib/docker', 'nvme1n1'],
  ] as const) {
    out.push({
      measurement: 'disk',
      tags: [['device', device], ['fstype', 'ext4'], ['mode', 'rw'], ['path', path], ...common],
      fields: [
        ['free', big(5e11)],
        ['inodes_free', big(3e7)],
        ['inodes_total', { i: 31227904 }],
        ['inodes_used', big(1e6)],
        ['total', { i: 502392610816 }],
        ['used', big(2e11)],
        ['used_percent', pct()],
      ],
      time: diskTime,
    });
  }
  const ioTime = at(4_567_890);
  for (const name of ['nvme0n1', 'nvme0n1p1', 'nvme1n1']) {
    out.push({
      measurement: 'diskio',
      tags: [['name', name], ...common],
      fields: [
        ['io_time', big(1e8)],
        ['iops_in_progress', { i: 0 }],
        ['merged_reads', big(1e6)],
        ['merged_writes', big(1e7)],
        ['read_bytes', big(1e11)],
        ['read_time', big(1e7)],
        ['reads', big(1e7)],
        ['weighted_io_time', big(1e8)],
        ['write_bytes', big(1e12)],
        ['write_time', big(1e8)],
        ['writes', big(1e8)],
      ],
      time: ioTime,
    });
  }
  const netTime = at(5_678_901);
  for (const iface of ['eth0', 'docker0']) {
    out.push({
      measurement: 'net',
      tags: [['interface', iface], ...common],
      fields: [
        ['bytes_recv', big(1e12)],
        ['bytes_sent', big(1e12)],
        ['drop_in', big(100)],
        ['drop_out', { i: 0 }],
        ['err_in', { i: 0 }],
        ['err_out', { i: 0 }],
        ['packets_recv', big(1e9)],
        ['packets_sent', big(1e9)],
      ],
      time: netTime,
    });
  }
  const sysTime = at(6_789_012);
  out.push({
    measurement: 'system',
    tags: [...common],
    fields: [
      ['load1', { f: Math.round(rand() * 800) / 100 }],
      ['load15', { f: Math.round(rand() * 800) / 100 }],
      ['load5', { f: Math.round(rand() * 800) / 100 }],
      ['n_cpus', { i: 8 }],
      ['n_users', { i: 2 }],
    ],
    time: sysTime,
  });
  out.push({
    measurement: 'system',
    tags: [...common],
    fields: [['uptime_format', { s: `${3 + tick} days, 12:${String(tick % 60).padStart(2, '0')}` }]],
    time: sysTime,
  });
  out.push({
    measurement: 'processes',
    tags: [...common],
    fields: [
      ['blocked', { i: 0 }],
      ['running', big(4)],
      ['sleeping', big(400)],
      ['stopped', { i: 0 }],
      ['total', big(420)],
      ['zombies', { i: 0 }],
      ['paused', { b: false }],
    ],
    time: at(7_890_123),
  });
  return out;
}

function lpValue(v: GenValue): string {
  if ('f' in v) return String(v.f);
  if ('i' in v) return `${v.i}i`;
  if ('b' in v) return v.b ? 'true' : 'false';
  return `"${v.s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function jsonValue(v: GenValue): string {
  if ('f' in v) return String(v.f);
  if ('i' in v) return String(v.i);
  if ('b' in v) return v.b ? 'true' : 'false';
  return JSON.stringify(v.s);
}

export interface IngestData {
  /** Line protocol as the push endpoint receives it. */
  body: Buffer;
  /**
   * The same points as JSON: `[[measurement, [tagKey, tagValue, …], [fieldKey, value, …], time], …]`
   * with the nanosecond time as a JSON number (what a JSON producer would write).
   */
  json: string;
  lines: number;
}

const HOSTS = ['web-01', 'web-02', 'db-01', 'cache-01', 'worker-01'];

/**
 * A batch of `lines` points (Telegraf's default metric_batch_size is 1000) from `hostCount`
 * agents (1…5) over consecutive 10 s intervals.
 */
export function generateIngestBatch(lines = 1000, seed = 42, hostCount = HOSTS.length): IngestData {
  const rand = rng(seed);
  const hosts = HOSTS.slice(0, Math.max(1, Math.min(HOSTS.length, hostCount)));
  const base = 1_700_000_000_000_000_000n;
  const points: GenPoint[] = [];
  for (let tick = 0; points.length < lines; tick++) {
    for (const host of hosts) points.push(...intervalPoints(host, tick, base, rand));
  }
  points.length = lines;
  const lp: string[] = [];
  const js: string[] = [];
  for (const p of points) {
    const tags = p.tags.map(([k, v]) => `,${k}=${v}`).join('');
    const fields = p.fields.map(([k, v]) => `${k}=${lpValue(v)}`).join(',');
    lp.push(`${p.measurement}${tags} ${fields} ${p.time}`);
    const jt = p.tags.map(([k, v]) => `${JSON.stringify(k)},${JSON.stringify(v)}`).join(',');
    const jf = p.fields.map(([k, v]) => `${JSON.stringify(k)},${jsonValue(v)}`).join(',');
    js.push(`[${JSON.stringify(p.measurement)},[${jt}],[${jf}],${p.time}]`);
  }
  return { body: Buffer.from(lp.join('\n') + '\n', 'utf8'), json: `[${js.join(',')}]`, lines };
}
