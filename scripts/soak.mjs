#!/usr/bin/env node
// Soak test (not part of CI): a 3-node livehub cluster on loopback sharing a Redis, driven for a long
// time with connection churn, Telegraf pushes (HTTP and WebSocket), broadcast publishes, dashboard
// saves and periodic Redis restarts, while RSS, V8 heap, active handles and open file descriptors of
// every node are sampled. Writes samples.csv and summary.json; the summary says whether memory, fds
// and handles grew. Build first (`npx tsc -p tsconfig.json`).
//
//   node scripts/soak.mjs [--minutes 120] [--nodes 3] [--clients 60] [--sample-seconds 10]
//                         [--redis-restart-minutes 3] [--out DIR] [--keep]
//   node scripts/soak.mjs --analyze DIR/samples.csv      # recompute the summary of a finished run
//
// Everything listens on 127.0.0.1. --out defaults to a new temp directory (printed at the end);
// --keep also leaves the node data and logs there. The heap is sampled without forcing GC, so it
// saw-tooths; the summary's `troughs` (lowest heap per fifth of the run) are what a leak would lift.
// Once a minute (--gc-every samples) the script also forces a full GC in every node through the V8
// inspector (nodes run with --inspect on a loopback port) and records the heap left after it
// (heap_after_gc_mb): the number that must not grow.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli.js');

// ---- arguments ---------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { minutes: 120, nodes: 3, clients: 60, sampleSeconds: 10, redisRestartMinutes: 3, out: '', keep: false, analyze: '', gcEvery: 6 };
  const num = (name, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--minutes') o.minutes = num('minutes', argv[++i]);
    else if (a === '--nodes') o.nodes = Math.floor(num('nodes', argv[++i]));
    else if (a === '--clients') o.clients = Math.floor(num('clients', argv[++i]));
    else if (a === '--sample-seconds') o.sampleSeconds = num('sample-seconds', argv[++i]);
    else if (a === '--redis-restart-minutes') o.redisRestartMinutes = num('redis-restart-minutes', argv[++i]);
    else if (a === '--out') o.out = argv[++i] ?? '';
    else if (a === '--keep') o.keep = true;
    else if (a === '--analyze') o.analyze = argv[++i] ?? '';
    else if (a === '--gc-every') o.gcEvery = Math.floor(num('gc-every', argv[++i]));
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/soak.mjs [--minutes N] [--nodes 3] [--clients 60] [--sample-seconds 10] [--redis-restart-minutes 3] [--out DIR] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.nodes > 9) throw new Error('--nodes must be at most 9');
  return o;
}

// ---- small helpers -----------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const now = () => Date.now();

async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function redisPing(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(String(d).startsWith('+PONG'));
    });
  });
}

async function waitUntil(check, what, timeoutMs = 20_000) {
  const deadline = now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function http(method, url, { token, body, headers = {}, timeoutMs = 5000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      method,
      signal: controller.signal,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text };
  } catch (err) {
    return { status: 0, text: String(err?.message ?? err) };
  } finally {
    clearTimeout(timer);
  }
}

function bump(map, key, n = 1) {
  map[key] = (map[key] ?? 0) + n;
}

// ---- processes ---------------------------------------------------------------------------------

const children = new Set();
let shuttingDown = false;

function startProcess(name, command, args, dir, env = {}) {
  const out = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!shuttingDown && !child.expectedExit) console.error(`!! ${name} exited unexpectedly (${signal ?? `code ${code}`})`);
  });
  return child;
}

async function stopProcess(child, signal = 'SIGTERM', timeoutMs = 8000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.expectedExit = true;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
// 'exit' handlers do not run when a signal ends the process: stop the children on each of them too.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    shuttingDown = true;
    console.error(`soak: ${signal}, stopping every process`);
    process.exit(130);
  });
}

// ---- workload: protocol clients ----------------------------------------------------------------

const stats = {
  connects: 0,
  connectFailures: 0,
  closes: {},
  replyErrors: {},
  pushesReceived: 0,
  resubscribes: 0,
  httpPush: {},
  wsPushBatches: 0,
  wsPushErrors: 0,
  wsPushCloses: {},
  publish: {},
  dashboardSaves: {},
  redisRestarts: 0,
};

/** A raw Centrifuge v2 client: connect + subscribe in one frame, answers pings, resubscribes on 2500. */
class SoakClient {
  constructor(url, channels, lifetimeMs, token) {
    this.channels = channels;
    this.closedByUs = false;
    this.nextId = 1;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const ws = new WebSocket(`${url}?auth_token=${token}`);
    this.ws = ws;
    ws.on('open', () => {
      stats.connects++;
      const frames = [JSON.stringify({ id: this.nextId++, connect: {} })];
      for (const channel of channels) frames.push(JSON.stringify({ id: this.nextId++, subscribe: { channel } }));
      ws.send(frames.join('\n'));
      this.timer = setTimeout(() => this.close(), lifetimeMs);
    });
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('error', () => {});
    ws.on('unexpected-response', () => {
      stats.connectFailures++;
    });
    ws.on('close', (code) => {
      clearTimeout(this.timer);
      if (!this.closedByUs) bump(stats.closes, String(code));
      this.resolveDone();
    });
  }

  onMessage(text) {
    for (const line of text.trim().split('\n')) {
      if (line === '') continue;
      let frame;
      try {
        frame = JSON.parse(line);
      } catch {
        bump(stats.replyErrors, 'unparseable');
        continue;
      }
      if (frame.id === undefined && frame.push === undefined) {
        // server ping
        if (this.ws.readyState === WebSocket.OPEN) this.ws.send('{}');
        continue;
      }
      if (frame.error) bump(stats.replyErrors, String(frame.error.code));
      const push = frame.push;
      if (push?.pub) stats.pushesReceived++;
      if (push?.unsubscribe && push.unsubscribe.code >= 2500 && this.ws.readyState === WebSocket.OPEN) {
        stats.resubscribes++;
        this.ws.send(JSON.stringify({ id: this.nextId++, subscribe: { channel: push.channel } }));
      }
    }
  }

  close() {
    this.closedByUs = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    else this.resolveDone();
  }
}

// ---- sampling ----------------------------------------------------------------------------------

function metricValue(text, name) {
  // `name{labels} value` or `name value`; first match (our labels are node-only)
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm');
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
}

function procFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

function procRssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** A V8 inspector session on a node (started with --inspect=127.0.0.1:<port>): forced GC + heap size. */
async function inspector(port) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  let id = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m));
    if (msg.id !== undefined && pending.has(msg.id)) {
      pending.get(msg.id)(msg.result);
      pending.delete(msg.id);
    }
  });
  const call = (method) => new Promise((resolve, reject) => {
    const i = ++id;
    const timer = setTimeout(() => {
      pending.delete(i);
      reject(new Error(`${method} timed out`));
    }, 10_000);
    pending.set(i, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    ws.send(JSON.stringify({ id: i, method }));
  });
  return {
    async heapAfterGcMb() {
      await call('HeapProfiler.collectGarbage');
      return (await call('Runtime.getHeapUsage')).usedSize / 2 ** 20;
    },
    close: () => ws.close(),
  };
}

const CSV_HEADER = 'elapsed_s,phase,node,pid,rss_mb,heap_used_mb,heap_total_mb,external_mb,active_handles,open_fds,clients,subscriptions,eventloop_lag_p99_ms,redis_up,heap_after_gc_mb';

async function sample(nodes, redisUp, startedAt, phase, forceGc = false) {
  const rows = [];
  for (const node of nodes) {
    let afterGc = NaN;
    if (forceGc && node.inspector) {
      try {
        afterGc = await node.inspector.heapAfterGcMb();
      } catch {
        afterGc = NaN;
      }
    }
    const res = await http('GET', `${node.url}/metrics`, { timeoutMs: 3000 });
    const t = res.status === 200 ? res.text : '';
    rows.push({
      elapsed: Math.round((now() - startedAt) / 1000),
      phase,
      node: node.name,
      pid: node.child.pid,
      rssMb: procRssKb(node.child.pid) / 1024,
      heapUsedMb: metricValue(t, 'livehub_process_nodejs_heap_size_used_bytes') / 2 ** 20,
      heapTotalMb: metricValue(t, 'livehub_process_nodejs_heap_size_total_bytes') / 2 ** 20,
      externalMb: metricValue(t, 'livehub_process_nodejs_external_memory_bytes') / 2 ** 20,
      handles: metricValue(t, 'livehub_process_nodejs_active_handles_total'),
      fds: procFds(node.child.pid),
      clients: metricValue(t, 'grafana_live_node_num_clients'),
      subscriptions: metricValue(t, 'grafana_live_node_num_subscriptions'),
      lagP99Ms: metricValue(t, 'livehub_process_nodejs_eventloop_lag_p99_seconds') * 1000,
      redisUp: redisUp ? 1 : 0,
      heapAfterGcMb: afterGc,
    });
  }
  return rows;
}

const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '');

function csvRow(r) {
  return [r.elapsed, r.phase, r.node, r.pid, fmt(r.rssMb), fmt(r.heapUsedMb), fmt(r.heapTotalMb), fmt(r.externalMb), fmt(r.handles, 0), fmt(r.fds, 0), fmt(r.clients, 0), fmt(r.subscriptions, 0), fmt(r.lagP99Ms), r.redisUp, fmt(r.heapAfterGcMb, 2)].join(',');
}

/** Least-squares slope of y over x (x in seconds) → per hour. */
function slopePerHour(points) {
  const n = points.length;
  if (n < 3) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 3600;
}

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length === 0 ? NaN : v[Math.floor(v.length / 2)];
}

function summarise(rows, nodeNames, warmupS) {
  const out = {};
  for (const name of nodeNames) {
    const all = rows.filter((r) => r.node === name);
    const base = all.filter((r) => r.phase === 'baseline');
    const load = all.filter((r) => r.phase === 'load' && r.elapsed >= warmupS);
    const idle = all.filter((r) => r.phase === 'idle');
    const tenth = Math.max(1, Math.floor(load.length / 10));
    const metric = (key) => {
      const values = load.map((r) => r[key]).filter(Number.isFinite);
      // Lowest value in each fifth of the load phase: GC troughs for the heap.
      const fifth = Math.max(1, Math.ceil(load.length / 5));
      const troughs = [];
      for (let i = 0; i < load.length; i += fifth) {
        const w = load.slice(i, i + fifth).map((r) => r[key]).filter(Number.isFinite);
        if (w.length) troughs.push(Math.min(...w));
      }
      return {
        troughs,
        baseline: median(base.map((r) => r[key])),
        loadFirst10pct: median(load.slice(0, tenth).map((r) => r[key])),
        loadLast10pct: median(load.slice(-tenth).map((r) => r[key])),
        loadMax: values.length ? Math.max(...values) : NaN,
        slopePerHour: slopePerHour(load.filter((r) => Number.isFinite(r[key])).map((r) => ({ x: r.elapsed, y: r[key] }))),
        idleAfter: median(idle.map((r) => r[key])),
      };
    };
    out[name] = {
      samples: all.length,
      rssMb: metric('rssMb'),
      heapUsedMb: metric('heapUsedMb'),
      heapAfterGcMb: metric('heapAfterGcMb'),
      externalMb: metric('externalMb'),
      activeHandles: metric('handles'),
      openFds: metric('fds'),
      clients: metric('clients'),
      eventLoopLagP99Ms: metric('lagP99Ms'),
    };
  }
  return out;
}

// ---- main --------------------------------------------------------------------------------------

function readCsv(file) {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const num = (v) => (v === '' ? NaN : Number(v));
  return lines.map((line) => {
    const v = Object.fromEntries(line.split(',').map((x, i) => [cols[i], x]));
    return {
      elapsed: num(v.elapsed_s), phase: v.phase, node: v.node, pid: num(v.pid), rssMb: num(v.rss_mb), heapUsedMb: num(v.heap_used_mb),
      heapTotalMb: num(v.heap_total_mb), externalMb: num(v.external_mb), handles: num(v.active_handles), fds: num(v.open_fds),
      clients: num(v.clients), subscriptions: num(v.subscriptions), lagP99Ms: num(v.eventloop_lag_p99_ms), redisUp: num(v.redis_up),
      heapAfterGcMb: num(v.heap_after_gc_mb ?? ''),
    };
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.analyze !== '') {
    const rows = readCsv(o.analyze);
    const names = [...new Set(rows.map((r) => r.node))];
    const loadSeconds = Math.max(...rows.filter((r) => r.phase === 'load').map((r) => r.elapsed));
    console.log(JSON.stringify(summarise(rows, names, Math.min(120, Math.round(loadSeconds / 5))), null, 2));
    return;
  }
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npx tsc -p tsconfig.json)`);
  const work = mkdtempSync(join(tmpdir(), 'livehub-soak-'));
  const outDir = o.out !== '' ? o.out : work;
  mkdirSync(outDir, { recursive: true });
  const csvFile = join(outDir, 'samples.csv');
  writeFileSync(csvFile, `${CSV_HEADER}\n`);
  console.log(`soak: ${o.minutes} min, ${o.nodes} nodes, ${o.clients} clients, Redis restart every ${o.redisRestartMinutes} min; output ${outDir}`);

  // Redis
  const redisPort = await freePort();
  mkdirSync(join(work, 'redis'));
  writeFileSync(join(work, 'redis.conf'), [`port ${redisPort}`, 'bind 127.0.0.1', `dir ${join(work, 'redis')}`, 'save ""', 'appendonly no', ''].join('\n'));
  let redis = startProcess('redis', 'redis-server', [join(work, 'redis.conf')], work);
  await waitUntil(() => redisPing(redisPort), 'redis');

  // one Admin token shared by every node
  const tokenFile = join(work, 'api-tokens.json');
  const created = spawnSync(process.execPath, [cli, 'token', 'create', '--name', 'soak', '--org', '1', '--role', 'Admin'], {
    env: { ...process.env, GF_AUTH_API_TOKENS_FILE: tokenFile, GF_PATHS_DATA: work },
    encoding: 'utf8',
  });
  const token = created.stdout.trim().split('\n').pop();
  if (created.status !== 0 || !token?.startsWith('glh_')) throw new Error(`token create failed: ${created.stdout}${created.stderr}`);

  // nodes
  const nodes = [];
  for (let i = 1; i <= o.nodes; i++) {
    const port = await freePort();
    const inspectPort = await freePort();
    const dir = join(work, `node${i}`);
    mkdirSync(dir);
    const child = startProcess(`node${i}`, process.execPath, [`--inspect=127.0.0.1:${inspectPort}`, cli], dir, {
      GF_SERVER_HTTP_ADDR: '127.0.0.1',
      GF_SERVER_HTTP_PORT: String(port),
      GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`,
      GF_PATHS_DATA: dir,
      GF_AUTH_API_TOKENS_FILE: tokenFile,
      GF_LIVE_HA_ENGINE: 'redis',
      GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redisPort}`,
      GF_LIVE_MAX_CONNECTIONS: '-1',
      GF_LOG_LEVEL: 'warn',
    });
    nodes.push({ name: `node${i}`, port, inspectPort, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/api/live/ws`, child });
  }
  for (const node of nodes) {
    await waitUntil(async () => (await http('GET', `${node.url}/api/health`)).status === 200, `${node.name} healthy`);
    node.inspector = await inspector(node.inspectPort);
  }

  // dashboards soak-0..4 exist on every node (each node has its own SQLite file)
  const DASHBOARDS = 5;
  for (const node of nodes) {
    for (let d = 0; d < DASHBOARDS; d++) {
      const res = await http('POST', `${node.url}/api/dashboards/db`, { token, body: { dashboard: { uid: `soak-${d}`, title: `Soak ${d}`, panels: [] }, overwrite: true } });
      if (res.status !== 200) throw new Error(`dashboard setup on ${node.name}: ${res.status} ${res.text}`);
    }
  }

  const startedAt = now();
  const rows = [];
  const record = (batch) => {
    rows.push(...batch);
    appendFileSync(csvFile, batch.map(csvRow).join('\n') + '\n');
  };
  let redisUp = true;

  // baseline: three samples before any load
  for (let i = 0; i < 3; i++) {
    record(await sample(nodes, redisUp, startedAt, 'baseline', i === 2));
    await sleep(1000);
  }

  const endAt = now() + o.minutes * 60_000;
  let running = true;
  const loops = [];
  const every = (ms, fn) => {
    loops.push((async () => {
      while (running) {
        const t0 = now();
        try {
          await fn();
        } catch (err) {
          console.error('workload step failed:', err?.message ?? err);
        }
        await sleep(Math.max(0, ms - (now() - t0)));
      }
    })());
  };

  // connection churn: keep o.clients clients alive, each living 2-30 s
  const clients = new Set();
  const channelsFor = () => {
    const list = ['1/grafana/broadcast/soak', 'default/stream/soak/cpu', `1/grafana/dashboard/uid/soak-${Math.floor(Math.random() * DASHBOARDS)}`];
    if (Math.random() < 0.3) list.push('1/plugin/testdata/random-2s-stream');
    return list;
  };
  every(100, async () => {
    while (clients.size < o.clients) {
      const c = new SoakClient(pick(nodes).wsUrl, channelsFor(), 2000 + Math.random() * 28_000, token);
      clients.add(c);
      c.done.then(() => clients.delete(c));
    }
  });

  // HTTP pushes (10/s), broadcast publishes (4/s), dashboard saves (0.5/s)
  let seq = 0;
  every(100, async () => {
    const node = pick(nodes);
    const body = `cpu,host=${node.name} usage=${Math.random() * 100},n=${seq++}i\nmem,host=${node.name} used=${Math.random() * 100}`;
    bump(stats.httpPush, String((await http('POST', `${node.url}/api/live/push/soak`, { token, body })).status));
  });
  every(250, async () => {
    bump(stats.publish, String((await http('POST', `${pick(nodes).url}/api/live/publish`, { token, body: { channel: 'grafana/broadcast/soak', data: { seq: seq++, at: now() } } })).status));
  });
  every(2000, async () => {
    const d = Math.floor(Math.random() * DASHBOARDS);
    const res = await http('POST', `${pick(nodes).url}/api/dashboards/db`, { token, body: { dashboard: { uid: `soak-${d}`, title: `Soak ${d}`, panels: [{ id: 1, seq: seq++ }] }, overwrite: true, message: 'soak' } });
    bump(stats.dashboardSaves, String(res.status));
  });

  // a Telegraf-like push WebSocket (reconnects when closed)
  let pushWs;
  every(250, async () => {
    if (pushWs === undefined || pushWs.readyState === WebSocket.CLOSED) {
      const node = pick(nodes);
      pushWs = new WebSocket(`ws://127.0.0.1:${node.port}/api/live/push/soakws`, { headers: { Authorization: `Bearer ${token}` } });
      pushWs.on('error', () => {});
      pushWs.on('message', () => stats.wsPushErrors++);
      pushWs.on('close', (code) => bump(stats.wsPushCloses, String(code)));
      return;
    }
    if (pushWs.readyState === WebSocket.OPEN) {
      pushWs.send(`net,if=eth0 rx=${seq++}i`);
      stats.wsPushBatches++;
    }
  });

  // Redis restarts: alternately killed (crash) and stopped cleanly, down for 3 s
  let restart = 0;
  loops.push((async () => {
    while (running) {
      const waitUntilMs = now() + o.redisRestartMinutes * 60_000;
      while (running && now() < waitUntilMs) await sleep(500);
      if (!running) break;
      restart++;
      const signal = restart % 2 === 1 ? 'SIGKILL' : 'SIGTERM';
      console.log(`[${Math.round((now() - startedAt) / 1000)}s] restarting Redis (${signal})`);
      redisUp = false;
      await stopProcess(redis, signal);
      await sleep(3000);
      redis = startProcess('redis', 'redis-server', [join(work, 'redis.conf')], work);
      await waitUntil(() => redisPing(redisPort), 'redis restart');
      redisUp = true;
      stats.redisRestarts++;
    }
  })());

  // sampler + progress
  let lastPrint = 0;
  let sampleNo = 0;
  while (now() < endAt) {
    record(await sample(nodes, redisUp, startedAt, 'load', ++sampleNo % o.gcEvery === 0));
    if (now() - lastPrint > 60_000) {
      lastPrint = now();
      const latest = rows.slice(-nodes.length);
      console.log(`[${Math.round((now() - startedAt) / 1000)}s] ` + latest.map((r) => `${r.node}: rss ${fmt(r.rssMb)} MB heap ${fmt(r.heapUsedMb)} MB fds ${r.fds} handles ${r.handles} clients ${r.clients}`).join(' | '));
    }
    await sleep(Math.min(o.sampleSeconds * 1000, Math.max(0, endAt - now())));
  }

  // stop the load, let the nodes settle, sample the idle state
  running = false;
  for (const c of clients) c.close();
  pushWs?.close();
  await Promise.all(loops);
  await Promise.all([...clients].map((c) => c.done));
  const loadEndedAt = now();
  await sleep(15_000);
  for (let i = 0; i < 3; i++) {
    record(await sample(nodes, redisUp, startedAt, 'idle', true));
    await sleep(1000);
  }

  const warmupS = Math.min(120, Math.round((o.minutes * 60) / 5));
  const summary = {
    command: `node scripts/soak.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date(startedAt).toISOString(),
    loadMinutes: Math.round(((loadEndedAt - startedAt) / 60_000) * 10) / 10,
    nodes: o.nodes,
    clientsKeptOpen: o.clients,
    warmupSeconds: warmupS,
    workload: stats,
    perNode: summarise(rows, nodes.map((n) => n.name), warmupS),
    notes: [
      'slopePerHour: least-squares slope over the load phase after warm-up (units per hour)',
      'baseline: before any load; idleAfter: 15 s after all clients and pushers stopped',
      'rss from /proc/<pid>/status, fds = entries of /proc/<pid>/fd, heap/handles from /metrics livehub_process_*',
      'heapAfterGcMb: V8 heap after a forced full GC (inspector HeapProfiler.collectGarbage), once every --gc-every samples',
    ],
  };
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  shuttingDown = true;
  for (const node of nodes) node.inspector?.close();
  for (const node of nodes) await stopProcess(node.child);
  await stopProcess(redis);
  if (!o.keep) {
    for (const name of readdirSync(work)) {
      if (join(work, name) === csvFile || join(work, name) === join(outDir, 'summary.json')) continue;
      if (outDir === work && (name === 'samples.csv' || name === 'summary.json')) continue;
      rmSync(join(work, name), { recursive: true, force: true });
    }
    if (outDir !== work) rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(summary, null, 2));
  console.log(`samples: ${csvFile}\nsummary: ${join(outDir, 'summary.json')}`);
}

main().catch(async (err) => {
  console.error(`soak failed: ${err?.stack ?? err}`);
  shuttingDown = true;
  for (const child of [...children]) child.kill('SIGKILL');
  process.exit(1);
});
