// A load-generator process (forked by loadgen.ts, < 15,000 sockets each). It opens connections at a
// bounded rate, completes the protocol handshake and subscriptions, counts deliveries by scanning
// frames for the marker, samples latency on every `sampleEvery`-th connection, answers pings, sends
// round-trip probes on request, and can act as the publisher. All commands come over IPC.

import { Agent, request } from 'node:http';
import { DELIVERY_OVERHEAD, MARKER, nowMs, payloadText, wsPath, type Protocol } from './protocol.js';
import { RawWs } from './rawws.js';

export interface OpenCommand {
  readonly cmd: 'open';
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  /** Connections in this process; their global indexes start at firstIndex. */
  readonly count: number;
  readonly firstIndex: number;
  /** Channels every connection subscribes to. */
  readonly channels: readonly string[];
  /** Plus one channel `prefix + (index % n)` per connection. */
  readonly groups?: { readonly prefix: string; readonly n: number };
  readonly rampPerSec: number;
  readonly localAddresses: readonly string[];
  /** Every n-th connection records latencies (0 = none). */
  readonly sampleEvery: number;
  /** Every n-th connection stops reading once subscribed (0 = none): a slow consumer. */
  readonly stallEvery: number;
  /** Give up waiting for handshakes after this long. */
  readonly timeoutMs: number;
}

export interface PublishCommand {
  readonly cmd: 'publish';
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  /** livehub: stream id of the HTTP push; bare/socketio: the channel/room. */
  readonly channel: string;
  /** livehub: bearer token for the push endpoint. */
  readonly token?: string;
  /** 'rate': `rate` messages/s (at most `window` outstanding); 'window': `window` in flight, as fast as acks come. */
  readonly mode: 'rate' | 'window';
  readonly rate: number;
  readonly window: number;
  readonly durationMs: number;
  /** Approximate delivered bytes per message. */
  readonly size: number;
  /** livehub only: lines per push (Telegraf batches); the marker is in the first line. */
  readonly lines?: number;
}

export interface ChildStats {
  opened: number;
  ready: number;
  failed: number;
  stalled: number;
  closes: Record<string, number>;
  deliveries: number;
  bytes: number;
  latencies: number[];
  rtts: number[];
  rttErrors: number;
  failures: string[];
}

type Command =
  | OpenCommand
  | PublishCommand
  | { readonly cmd: 'stats'; readonly drain?: boolean }
  | { readonly cmd: 'rtt'; readonly count: number }
  | { readonly cmd: 'closeAll' }
  | { readonly cmd: 'exit' };

interface Conn {
  readonly index: number;
  readonly protocol: Protocol;
  readonly channels: string[];
  readonly sampled: boolean;
  readonly stall: boolean;
  subscribed: number;
  ready: boolean;
  rttSent: Map<number, number>;
}

const stats: ChildStats = {
  opened: 0,
  ready: 0,
  failed: 0,
  stalled: 0,
  closes: {},
  deliveries: 0,
  bytes: 0,
  latencies: [],
  rtts: [],
  rttErrors: 0,
  failures: [],
};
const conns: RawWs[] = [];
let rttId = 1_000_000;
let rttCursor = 0;
const MAX_SAMPLES = 200_000;

const markerByte0 = MARKER.charCodeAt(0);
const markerByte1 = MARKER.charCodeAt(1);

function countMarkers(buf: Buffer, start: number, end: number, sampled: boolean): number {
  let n = 0;
  let p = buf.indexOf(markerByte0, start);
  let now = 0;
  while (p >= 0 && p < end - 1) {
    if (buf[p + 1] === markerByte1) {
      n++;
      if (sampled && stats.latencies.length < MAX_SAMPLES) {
        if (now === 0) now = nowMs();
        const stop = buf.indexOf(markerByte0, p + 2);
        const sent = Number(buf.toString('latin1', p + 2, stop < 0 || stop > end ? Math.min(end, p + 22) : stop));
        if (Number.isFinite(sent)) stats.latencies.push(now - sent);
      }
    }
    p = buf.indexOf(markerByte0, p + 1);
  }
  return n;
}

function countNewlines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let p = buf.indexOf(10, start);
  while (p >= 0 && p < end) {
    n++;
    p = buf.indexOf(10, p + 1);
  }
  return n;
}

function markReady(ws: RawWs, c: Conn): void {
  if (c.ready) return;
  c.ready = true;
  stats.ready++;
  if (c.stall) {
    stats.stalled++;
    ws.socket.pause();
  }
}

function rttDone(c: Conn, id: number, ok: boolean): void {
  const sent = c.rttSent.get(id);
  if (sent === undefined) return;
  c.rttSent.delete(id);
  if (ok) stats.rtts.push(nowMs() - sent);
  else stats.rttErrors++;
}

function onControlText(ws: RawWs, c: Conn, text: string): void {
  if (c.protocol === 'socketio') return onSocketIoPacket(ws, c, text);
  for (const line of text.split('\n')) {
    if (line === '' || line.includes(MARKER)) continue;
    if (line === '{}') {
      ws.send('{}');
      continue;
    }
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (c.protocol === 'livehub') {
      const id = msg['id'];
      if (typeof id !== 'number') continue;
      if (id >= 1_000_000) rttDone(c, id, true);
      else if (id === 1 && msg['error'] !== undefined) failConn(ws, `connect error ${JSON.stringify(msg['error'])}`);
      else if (id >= 2) {
        if (msg['error'] !== undefined) failConn(ws, `subscribe error ${JSON.stringify(msg['error'])}`);
        else if (++c.subscribed === c.channels.length) markReady(ws, c);
      }
    } else {
      if (typeof msg['subok'] === 'string' && ++c.subscribed === c.channels.length) markReady(ws, c);
      else if (typeof msg['rtt'] === 'number') rttDone(c, msg['rtt'], true);
    }
  }
}

function onSocketIoPacket(ws: RawWs, c: Conn, text: string): void {
  if (text === '2') return ws.send('3');
  if (text.startsWith('0')) return ws.send('40');
  if (text.startsWith('40')) {
    c.channels.forEach((ch, k) => ws.send(`42${k + 1}${JSON.stringify(['sub', ch])}`));
    return;
  }
  if (text.startsWith('43')) {
    const id = parseInt(text.slice(2), 10);
    if (id >= 1_000_000) rttDone(c, id, true);
    else if (id >= 1 && ++c.subscribed === c.channels.length) markReady(ws, c);
    return;
  }
  if (text.startsWith('44')) failConn(ws, `socket.io connect error ${text}`);
}

function failConn(ws: RawWs, reason: string): void {
  if (stats.failures.length < 20) stats.failures.push(reason);
  ws.destroy();
}

const subscriberEvents = {
  open(ws: RawWs): void {
    const c = ws.data as Conn;
    stats.opened++;
    if (c.protocol === 'livehub') {
      ws.send([`{"id":1,"connect":{}}`, ...c.channels.map((ch, k) => `{"id":${k + 2},"subscribe":{"channel":${JSON.stringify(ch)}}}`)].join('\n'));
    } else if (c.protocol === 'bare') {
      for (const ch of c.channels) ws.send(`{"sub":${JSON.stringify(ch)}}`);
    }
    // socket.io: the server speaks first (open packet)
  },
  frame(ws: RawWs, buf: Buffer, start: number, end: number): void {
    const c = ws.data as Conn;
    stats.bytes += end - start;
    const n = countMarkers(buf, start, end, c.sampled);
    if (n > 0) {
      stats.deliveries += n;
      if (c.protocol === 'socketio' || countNewlines(buf, start, end) + 1 === n) return;
    }
    onControlText(ws, c, buf.toString('utf8', start, end));
  },
  close(ws: RawWs, code: number): void {
    const c = ws.data as Conn;
    const key = String(code);
    stats.closes[key] = (stats.closes[key] ?? 0) + 1;
    if (c.ready) stats.ready--;
    c.ready = false;
    for (const id of c.rttSent.keys()) rttDone(c, id, false);
  },
  fail(_ws: RawWs, reason: string): void {
    stats.failed++;
    if (stats.failures.length < 20) stats.failures.push(reason);
  },
};

async function open(cmd: OpenCommand): Promise<void> {
  const path = wsPath(cmd.protocol);
  const deadline = Date.now() + cmd.timeoutMs;
  let next = 0;
  const perTick = Math.max(1, Math.round(cmd.rampPerSec / 100));
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const inFlight = conns.filter((w) => w.state === 0).length;
      const budget = Math.min(perTick, Math.max(0, 400 - inFlight));
      for (let k = 0; k < budget && next < cmd.count; k++, next++) {
        const index = cmd.firstIndex + next;
        const channels = [...cmd.channels];
        if (cmd.groups !== undefined) channels.push(`${cmd.groups.prefix}${index % cmd.groups.n}`);
        const local = cmd.localAddresses.length === 0 ? undefined : cmd.localAddresses[index % cmd.localAddresses.length];
        const ws = new RawWs(cmd.host, cmd.port, path, local, subscriberEvents);
        const conn: Conn = {
          index,
          protocol: cmd.protocol,
          channels,
          sampled: cmd.sampleEvery > 0 && index % cmd.sampleEvery === 0,
          stall: cmd.stallEvery > 0 && index % cmd.stallEvery === cmd.stallEvery - 1,
          subscribed: 0,
          ready: false,
          rttSent: new Map(),
        };
        ws.data = conn;
        conns.push(ws);
      }
      if (next >= cmd.count) {
        const settled = conns.every((w) => w.state === 2 || (w.data as Conn).ready);
        if (settled || Date.now() > deadline) {
          clearInterval(timer);
          resolve();
        }
      }
    }, 10);
  });
}

function sendRtt(count: number): void {
  let sent = 0;
  for (let tries = 0; tries < conns.length && sent < count; tries++) {
    const ws = conns[rttCursor++ % conns.length]!;
    const c = ws.data as Conn;
    if (!c.ready || c.stall || ws.state !== 1) continue;
    const id = rttId++;
    c.rttSent.set(id, nowMs());
    if (c.protocol === 'livehub') ws.send(`{"id":${id},"presence_stats":{"channel":${JSON.stringify(c.channels[0])}}}`);
    else if (c.protocol === 'bare') ws.send(`{"rtt":${id}}`);
    else ws.send(`42${id}["rtt"]`);
    sent++;
  }
}

// ---- publisher -----------------------------------------------------------------------------------

interface PublishResult {
  sent: number;
  acked: number;
  errors: number;
  firstError?: string;
  durationMs: number;
}

function livehubBody(cmd: PublishCommand): string {
  const text = payloadText(cmd.size, DELIVERY_OVERHEAD.livehub);
  const ts = Math.round(nowMs());
  const lines = [`fanout,h=a p="${text}" ${ts}`];
  for (let i = 1; i < (cmd.lines ?? 1); i++) lines.push(`fanout,h=h${i} v=${i} ${ts}`);
  return lines.join('\n');
}

async function publish(cmd: PublishCommand): Promise<PublishResult> {
  const result: PublishResult = { sent: 0, acked: 0, errors: 0, durationMs: 0 };
  let outstanding = 0;
  let sendOne: () => void;
  let cleanup = (): void => {};
  let wake: () => void = () => {};
  const onAck = (ok: boolean, err?: string): void => {
    outstanding--;
    if (ok) result.acked++;
    else {
      result.errors++;
      result.firstError ??= err;
    }
    wake();
  };

  if (cmd.protocol === 'livehub') {
    const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, cmd.window) });
    const path = `/api/live/push/${cmd.channel}?precision=ms`;
    sendOne = () => {
      const body = livehubBody(cmd);
      outstanding++;
      result.sent++;
      const req = request(
        { host: cmd.host, port: cmd.port, method: 'POST', path, agent, headers: { authorization: `Bearer ${cmd.token ?? ''}`, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => onAck(res.statusCode === 200, `HTTP ${res.statusCode} ${text}`));
        },
      );
      req.on('error', (e) => onAck(false, e.message));
      req.end(body);
    };
    cleanup = () => agent.destroy();
  } else {
    const ws = await new Promise<RawWs>((resolve, reject) => {
      new RawWs(cmd.host, cmd.port, wsPath(cmd.protocol), undefined, {
        open(x) {
          if (cmd.protocol === 'bare') resolve(x);
        },
        frame(x, buf, s, e) {
          const text = buf.toString('utf8', s, e);
          if (cmd.protocol === 'socketio') {
            if (text === '2') return x.send('3');
            if (text.startsWith('0')) return x.send('40');
            if (text.startsWith('40')) return resolve(x);
            if (text.startsWith('43')) return onAck(true);
            return;
          }
          for (const line of text.split('\n')) {
            if (line === '{}') x.send('{}');
            else if (line.startsWith('{"ack"')) onAck(true);
          }
        },
        close() {
          result.errors++;
        },
        fail(_x, reason) {
          reject(new Error(reason));
        },
      });
    });
    let id = 2_000_000;
    sendOne = () => {
      const data = JSON.stringify({ p: payloadText(cmd.size, DELIVERY_OVERHEAD[cmd.protocol]) });
      outstanding++;
      result.sent++;
      id++;
      if (cmd.protocol === 'bare') ws.send(`{"pub":${JSON.stringify(cmd.channel)},"id":${id},"data":${data}}`);
      else ws.send(`42${id}${JSON.stringify(['pub', cmd.channel])}`.slice(0, -1) + `,${data}]`);
    };
    cleanup = () => ws.close();
  }

  const started = performance.now();
  const end = started + cmd.durationMs;
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (timer !== undefined) clearInterval(timer);
      wake = () => {};
      resolve();
    };
    if (cmd.mode === 'window') {
      wake = () => {
        const now = performance.now();
        if (now >= end) {
          if (outstanding === 0) finish();
          return;
        }
        while (outstanding < cmd.window) sendOne();
      };
      wake();
      // Stop waiting for lost acks eventually.
      timer = setInterval(() => {
        if (performance.now() > end + 10_000) finish();
        else if (performance.now() >= end && outstanding === 0) finish();
      }, 50);
    } else {
      const tickMs = Math.max(2, Math.min(50, Math.floor(1000 / cmd.rate)));
      timer = setInterval(() => {
        const now = performance.now();
        if (now >= end) {
          if (outstanding === 0 || now > end + 10_000) finish();
          return;
        }
        const due = Math.floor(((now - started) / 1000) * cmd.rate) + 1 - result.sent;
        for (let k = 0; k < due && outstanding < cmd.window; k++) sendOne();
      }, tickMs);
    }
  });
  result.durationMs = performance.now() - started;
  cleanup();
  return result;
}

// ---- IPC -----------------------------------------------------------------------------------------

function snapshot(drain: boolean): ChildStats {
  const out = { ...stats, closes: { ...stats.closes }, latencies: stats.latencies, rtts: stats.rtts, failures: [...stats.failures] };
  if (drain) {
    stats.latencies = [];
    stats.rtts = [];
  } else {
    out.latencies = [];
    out.rtts = [];
  }
  return out;
}

process.on('message', (raw: { id: number; command: Command }) => {
  const { id, command } = raw;
  const reply = (value: unknown): void => {
    process.send?.({ id, value });
  };
  const fail = (err: unknown): void => {
    process.send?.({ id, error: err instanceof Error ? err.message : String(err) });
  };
  switch (command.cmd) {
    case 'open':
      open(command).then(() => reply(snapshot(false)), fail);
      break;
    case 'publish':
      publish(command).then(reply, fail);
      break;
    case 'stats':
      reply(snapshot(command.drain === true));
      break;
    case 'rtt':
      sendRtt(command.count);
      reply(null);
      break;
    case 'closeAll':
      for (const ws of conns) ws.destroy();
      conns.length = 0;
      reply(null);
      break;
    case 'exit':
      reply(null);
      setTimeout(() => process.exit(0), 10);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
