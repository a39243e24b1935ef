// A load-generator process (forked by loadgen.ts, < 15,000 sockets each). It opens connections at a
// bounded rate, completes the protocol handshake and subscriptions, counts deliveries by scanning
// frames for the marker, samples latency on every `sampleEvery`-th connection, answers pings, sends
// round-trip probes on request, and can act as the publisher. All commands come over IPC.
// The failover scenario adds a resilient mode (`failover` in OpenCommand): connections reconnect
// through a list of ports, resubscribe after unsubscribe pushes ≥ 2500 and temporary errors like
// centrifuge-js, and track per-channel sequence numbers to tell silent losses from signalled ones;
// and a sequence publisher (`seqPublishStart`/`seqPublishStop`) that retries each number until acked.

import { Agent, request } from 'node:http';
import { serveCommands } from './child-ipc.js';
import { DELIVERY_OVERHEAD, MARKER, nowMs, payloadText, wsPath, type Protocol } from './protocol.js';
import { RawWs } from './rawws.js';
import { pb, pbReader } from '../../src/protocol/protobuf/messages.js';

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
  /** Plus `perConn` channels `prefix + ((index * perConn + k) % n)` per connection (k < perConn). */
  readonly spread?: { readonly prefix: string; readonly n: number; readonly perConn: number };
  /** livehub only: resilient, sequence-tracking connections (the failover scenario). */
  readonly failover?: FailoverOpen;
}

export interface FailoverOpen {
  /** Reconnect targets: a closed connection moves on to the next port of this list (cyclically). */
  readonly ports: readonly number[];
  /** Every n-th connection (index % n === 0) subscribes recoverable (positioned, recovers on resubscribe); 0 = none. */
  readonly recoverEvery: number;
}

/** Starts the sequence publisher: `{"s":N}` per channel, N + 1 only once N was acknowledged. */
export interface SeqPublishStartCommand {
  readonly cmd: 'seqPublishStart';
  readonly host: string;
  /** Publishes over one livehub connection; on close it moves on to the next port. */
  readonly ports: readonly number[];
  readonly channels: readonly string[];
  readonly ratePerChannel: number;
}

export interface SeqPublishResult {
  /** Highest acknowledged sequence number per channel (every number up to it was acknowledged). */
  readonly finals: Record<string, number>;
  readonly acked: number;
  readonly errors: number;
  /** Error replies by code, `timeout` for replies that never came, `closed` for in-flight at a close. */
  readonly errorCodes: Record<string, number>;
  readonly reconnects: number;
  /** Periods during which publishes failed (first failure → next success), in ms. */
  readonly outagesMs: number[];
  readonly durationMs: number;
}

/** What the resilient connections of one process saw (summed over processes by loadgen.ts). */
export interface FailoverReport {
  clients: number;
  /** Connected with every channel subscribed right now. */
  ready: number;
  /** Got every message on every channel, no gap at all. */
  complete: number;
  /** Had gaps, every one of them covered by an explicit signal. */
  signalled: number;
  /** At least one gap without any signal: a silent loss. */
  silent: number;
  /** Last seen number ≥ the publisher's final on every channel. */
  caughtUp: number;
  byKind: Record<'recoverable' | 'plain', { clients: number; complete: number; signalled: number; silent: number }>;
  deliveries: number;
  duplicates: number;
  gapsSignalled: number;
  gapsSilent: number;
  missedSignalled: number;
  missedSilent: number;
  /** Channels whose end was missed (last < final) with / without a signal since the last message. */
  tailsSignalled: number;
  tailsSilent: number;
  signals: {
    closes: Record<string, number>;
    unsubscribes: Record<string, number>;
    subscribeErrors: Record<string, number>;
    disconnectPushes: number;
    recoveredTrue: number;
    recoveredFalse: number;
    resubscribes: number;
    reconnects: number;
    connectFailures: number;
  };
  /** The first few subscribe error replies as received (code and message). */
  subscribeErrorExamples: string[];
  silentExamples: string[];
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
  | { readonly cmd: 'exit' }
  | SeqPublishStartCommand
  | { readonly cmd: 'seqPublishStop' }
  | { readonly cmd: 'failoverReport'; readonly finals: Record<string, number> };

interface Conn {
  readonly index: number;
  readonly protocol: Protocol;
  readonly channels: string[];
  readonly sampled: boolean;
  readonly stall: boolean;
  subscribed: number;
  ready: boolean;
  rttSent: Map<number, number>;
  /** Set for resilient connections (failover mode). */
  fo?: FoConn;
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

// ---- livehub with the protobuf codec ---------------------------------------------------------------

const BINARY = 2;
/** The answer to a ping: an empty Command, its length prefix alone. */
const PROTOBUF_PONG = Buffer.from([0]);

type CommandProps = NonNullable<Parameters<typeof pb.Command.encode>[0]>;

function protobufCommands(commands: CommandProps[]): Buffer {
  const writer = pb.Command.encodeDelimited(commands[0]!);
  for (const command of commands.slice(1)) pb.Command.encodeDelimited(command, writer);
  return Buffer.from(writer.finish());
}

/**
 * A protobuf subscriber decodes every frame with the generated code, as a real client does: each
 * publication push is a delivery (its latency read from the marker in its data), replies and pings
 * are handled like the JSON subscriber's.
 */
function onProtobufFrame(ws: RawWs, c: Conn, bytes: Buffer): void {
  const reader = pbReader(bytes);
  while (reader.pos < reader.len) {
    const reply = pb.Reply.decodeDelimited(reader);
    const pub = reply.push?.pub;
    if (pub !== undefined && pub !== null) {
      const data = pub.data;
      const n = data === null || data === undefined ? 0 : countMarkers(Buffer.from(data.buffer, data.byteOffset, data.length), 0, data.length, c.sampled);
      stats.deliveries += Math.max(1, n);
      continue;
    }
    const id = reply.id ?? 0;
    if (id === 0) {
      if (reply.push === null || reply.push === undefined) ws.send(PROTOBUF_PONG, BINARY);
      continue;
    }
    if (id >= 1_000_000) rttDone(c, id, true);
    else if (id === 1 && reply.error) failConn(ws, `connect error ${JSON.stringify(reply.error)}`);
    else if (id >= 2) {
      if (reply.error) failConn(ws, `subscribe error ${JSON.stringify(reply.error)}`);
      else if (++c.subscribed === c.channels.length) markReady(ws, c);
    }
  }
}

const subscriberEvents = {
  open(ws: RawWs): void {
    const c = ws.data as Conn;
    if (c.fo !== undefined) return foOpen(ws, c.fo);
    stats.opened++;
    if (c.protocol === 'livehub') {
      ws.send([`{"id":1,"connect":{}}`, ...c.channels.map((ch, k) => `{"id":${k + 2},"subscribe":{"channel":${JSON.stringify(ch)}}}`)].join('\n'));
    } else if (c.protocol === 'livehub-protobuf') {
      ws.send(protobufCommands([{ id: 1, connect: {} }, ...c.channels.map((channel, k) => ({ id: k + 2, subscribe: { channel } }))]), BINARY);
    } else if (c.protocol === 'bare') {
      for (const ch of c.channels) ws.send(`{"sub":${JSON.stringify(ch)}}`);
    }
    // socket.io: the server speaks first (open packet)
  },
  frame(ws: RawWs, buf: Buffer, start: number, end: number): void {
    const c = ws.data as Conn;
    stats.bytes += end - start;
    if (c.protocol === 'livehub-protobuf') return onProtobufFrame(ws, c, buf.subarray(start, end));
    if (c.fo !== undefined) return foText(ws, c, c.fo, buf.toString('utf8', start, end));
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
    if (c.fo !== undefined) foClosed(c, c.fo, key);
  },
  fail(ws: RawWs, reason: string): void {
    const c = ws.data as Conn;
    if (c.fo !== undefined) return foFailed(c, c.fo, reason);
    stats.failed++;
    if (stats.failures.length < 20) stats.failures.push(reason);
  },
};

async function open(cmd: OpenCommand): Promise<void> {
  stopping = false;
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
        if (cmd.spread !== undefined) {
          for (let k = 0; k < cmd.spread.perConn; k++) channels.push(`${cmd.spread.prefix}${(index * cmd.spread.perConn + k) % cmd.spread.n}`);
        }
        const local = cmd.localAddresses.length === 0 ? undefined : cmd.localAddresses[index % cmd.localAddresses.length];
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
        if (cmd.failover !== undefined) conn.fo = newFoConn(cmd, cmd.failover, index, channels, local);
        const ws = new RawWs(cmd.host, cmd.port, path, local, subscriberEvents);
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
    else if (c.protocol === 'livehub-protobuf') ws.send(protobufCommands([{ id, presence_stats: { channel: c.channels[0]! } }]), BINARY);
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

  if (cmd.protocol === 'livehub' || cmd.protocol === 'livehub-protobuf') {
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

// ---- failover mode: resilient, sequence-tracking connections ------------------------------------

/** Set by closeAll/exit: resilient connections stay closed from then on (reset by the next open). */
let stopping = false;

interface ChannelTrack {
  readonly channel: string;
  /** idle: not subscribed (a resubscribe may be scheduled); ended: unsubscribed for good (code < 2500). */
  state: 'idle' | 'subscribing' | 'active' | 'ended';
  subscribedOnce: boolean;
  /** Last sequence number seen (0: none yet; the publisher starts at 1 after every client subscribed). */
  last: number;
  /** An explicit signal arrived since the last message of this channel: a gap after it is honest. */
  signalPending: boolean;
  /** Stream position for recovery (recoverable connections). */
  offset: number;
  epoch: string;
  gapsSignalled: number;
  gapsSilent: number;
  missedSignalled: number;
  missedSilent: number;
  dups: number;
  retry: NodeJS.Timeout | undefined;
  /** The last few non-publication events, to explain a silent gap. */
  events: string[];
}

interface FoConn {
  readonly host: string;
  readonly path: string;
  readonly local: string | undefined;
  readonly ports: readonly number[];
  portIdx: number;
  readonly recoverable: boolean;
  readonly tracks: ChannelTrack[];
  readonly byChannel: Map<string, ChannelTrack>;
  readonly pendingSubs: Map<number, ChannelTrack>;
  nextId: number;
  connected: boolean;
  /** Consecutive failed (re)connects, for the back-off. */
  attempts: number;
  ws: RawWs | undefined;
}

interface FoPub {
  readonly data?: { readonly s?: unknown };
  readonly offset?: number;
}

/** The parts of server messages the resilient client reads (JSON.parse result, fields optional). */
interface FoMessage {
  readonly id?: number;
  readonly error?: { readonly code?: number; readonly message?: string; readonly temporary?: boolean };
  readonly subscribe?: { readonly recovered?: boolean; readonly was_recovering?: boolean; readonly epoch?: string; readonly offset?: number; readonly publications?: readonly FoPub[] };
  readonly push?: {
    readonly channel?: string;
    readonly pub?: FoPub;
    readonly unsubscribe?: { readonly code?: number };
    readonly disconnect?: { readonly code?: number };
  };
}

const foSignals: FailoverReport['signals'] = {
  closes: {},
  unsubscribes: {},
  subscribeErrors: {},
  disconnectPushes: 0,
  recoveredTrue: 0,
  recoveredFalse: 0,
  resubscribes: 0,
  reconnects: 0,
  connectFailures: 0,
};
const silentExamples: string[] = [];
const subscribeErrorExamples: string[] = [];

const bump = (m: Record<string, number>, key: string): void => {
  m[key] = (m[key] ?? 0) + 1;
};

function note(t: ChannelTrack, what: string): void {
  t.events.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
  if (t.events.length > 8) t.events.shift();
}

function newFoConn(cmd: OpenCommand, f: FailoverOpen, index: number, channels: readonly string[], local: string | undefined): FoConn {
  const tracks = channels.map(
    (channel): ChannelTrack => ({
      channel,
      state: 'idle',
      subscribedOnce: false,
      last: 0,
      signalPending: false,
      offset: 0,
      epoch: '',
      gapsSignalled: 0,
      gapsSilent: 0,
      missedSignalled: 0,
      missedSilent: 0,
      dups: 0,
      retry: undefined,
      events: [],
    }),
  );
  return {
    host: cmd.host,
    path: wsPath(cmd.protocol),
    local,
    ports: f.ports.length === 0 ? [cmd.port] : f.ports,
    portIdx: Math.max(0, f.ports.indexOf(cmd.port)),
    recoverable: f.recoverEvery > 0 && index % f.recoverEvery === 0,
    tracks,
    byChannel: new Map(tracks.map((t) => [t.channel, t])),
    pendingSubs: new Map(),
    nextId: 2,
    connected: false,
    attempts: 0,
    ws: undefined,
  };
}

function foSubscribe(fo: FoConn, t: ChannelTrack): string {
  const id = fo.nextId++;
  fo.pendingSubs.set(id, t);
  if (t.subscribedOnce) foSignals.resubscribes++;
  t.state = 'subscribing';
  let body = `"channel":${JSON.stringify(t.channel)}`;
  if (fo.recoverable) {
    body += ',"recoverable":true';
    // Like centrifuge-js: recover from the last known position once there is one.
    if (t.epoch !== '') body += `,"recover":true,"offset":${t.offset},"epoch":${JSON.stringify(t.epoch)}`;
  }
  note(t, `subscribe${t.epoch !== '' && fo.recoverable ? ` recover ${t.offset}/${t.epoch}` : ''}`);
  return `{"id":${id},"subscribe":{${body}}}`;
}

function foCheckReady(c: Conn, fo: FoConn): void {
  const ready = fo.connected && fo.tracks.every((t) => t.state === 'active');
  if (ready === c.ready) return;
  c.ready = ready;
  stats.ready += ready ? 1 : -1;
}

function foOpen(ws: RawWs, fo: FoConn): void {
  stats.opened++;
  fo.ws = ws;
  const lines = [`{"id":1,"connect":{}}`];
  for (const t of fo.tracks) if (t.state !== 'ended') lines.push(foSubscribe(fo, t));
  ws.send(lines.join('\n'));
}

function foPub(t: ChannelTrack, c: Conn, fo: FoConn, pub: FoPub): void {
  stats.deliveries++;
  if (typeof pub.offset === 'number') t.offset = pub.offset;
  const s = pub.data?.s;
  if (typeof s !== 'number') return;
  if (s <= t.last) {
    t.dups++;
    return;
  }
  if (s > t.last + 1) {
    const missed = s - t.last - 1;
    if (t.signalPending) {
      t.gapsSignalled++;
      t.missedSignalled += missed;
    } else {
      t.gapsSilent++;
      t.missedSilent += missed;
      if (silentExamples.length < 20) {
        silentExamples.push(`${new Date().toISOString().slice(11, 23)} client ${c.index} (${fo.recoverable ? 'recoverable' : 'plain'}, port ${fo.ports[fo.portIdx]}) ${t.channel}: ${t.last} → ${s} without a signal; before: ${t.events.join(' | ')}`);
      }
    }
  }
  t.last = s;
  t.signalPending = false;
}

function foReply(ws: RawWs, c: Conn, fo: FoConn, msg: FoMessage): void {
  const id = msg.id!;
  if (id >= 1_000_000) return rttDone(c, id, msg.error === undefined);
  if (id === 1) {
    if (msg.error !== undefined) {
      // A refused connect: drop the socket, the close handler reconnects.
      ws.destroy();
      return;
    }
    fo.connected = true;
    fo.attempts = 0;
    return foCheckReady(c, fo);
  }
  const t = fo.pendingSubs.get(id);
  if (t === undefined) return;
  fo.pendingSubs.delete(id);
  if (msg.error !== undefined) {
    const code = msg.error.code ?? 0;
    bump(foSignals.subscribeErrors, String(code));
    if (subscribeErrorExamples.length < 3) subscribeErrorExamples.push(`${new Date().toISOString().slice(11, 23)} ${t.channel}: ${code} ${msg.error.message ?? ''}`);
    note(t, `subscribe error ${code}`);
    t.signalPending = true;
    // Temporary errors (100 engine unavailable, 111) are retried like centrifuge-js does; others end it.
    if (msg.error.temporary === true || code === 100 || code === 111) {
      t.state = 'idle';
      t.retry = setTimeout(() => {
        t.retry = undefined;
        if (fo.ws === ws && ws.state === 1 && t.state === 'idle') ws.send(foSubscribe(fo, t));
      }, 200 + Math.random() * 300);
    } else {
      t.state = 'ended';
    }
    return foCheckReady(c, fo);
  }
  const sub = msg.subscribe ?? {};
  t.state = 'active';
  t.subscribedOnce = true;
  if (sub.recovered === true) {
    // The server claims continuity: a gap in what follows would be a silent loss.
    foSignals.recoveredTrue++;
    t.signalPending = false;
  } else if (sub.was_recovering === true) {
    foSignals.recoveredFalse++;
  }
  if (fo.recoverable) {
    if (typeof sub.epoch === 'string') t.epoch = sub.epoch;
    t.offset = sub.offset ?? 0;
  }
  note(t, `subscribed${sub.recovered === true ? ' recovered' : sub.was_recovering === true ? ' NOT recovered' : ''} ${t.offset}/${t.epoch}`);
  for (const pub of sub.publications ?? []) foPub(t, c, fo, pub);
  foCheckReady(c, fo);
}

/** The JSON messages of one protocol frame (newline-separated); a ping (`{}`) is answered at once. */
function* frameMessages(ws: RawWs, text: string): Generator<FoMessage> {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line === '{}') {
      ws.send('{}');
      continue;
    }
    let msg: FoMessage | undefined;
    try {
      msg = JSON.parse(line) as FoMessage;
    } catch {
      // not JSON: not ours to judge here
    }
    if (msg !== undefined) yield msg;
  }
}

function foText(ws: RawWs, c: Conn, fo: FoConn, text: string): void {
  for (const msg of frameMessages(ws, text)) {
    if (typeof msg.id === 'number') {
      foReply(ws, c, fo, msg);
      continue;
    }
    const push = msg.push;
    if (push === undefined) continue;
    if (push.disconnect !== undefined) {
      foSignals.disconnectPushes++;
      continue;
    }
    const t = push.channel === undefined ? undefined : fo.byChannel.get(push.channel);
    if (t === undefined) continue;
    if (push.pub !== undefined) {
      foPub(t, c, fo, push.pub);
    } else if (push.unsubscribe !== undefined) {
      const code = push.unsubscribe.code ?? 0;
      bump(foSignals.unsubscribes, String(code));
      note(t, `unsubscribe push ${code}`);
      t.signalPending = true;
      // ≥ 2500: resubscribe at once (and recover); below: the subscription ends (centrifuge-js).
      if (code >= 2500) ws.send(foSubscribe(fo, t));
      else t.state = 'ended';
      foCheckReady(c, fo);
    }
  }
}

function foReconnect(c: Conn, fo: FoConn): void {
  if (stopping) return;
  fo.attempts++;
  const delay = Math.min(2000, 100 * 2 ** (fo.attempts - 1)) * (0.5 + Math.random() * 0.5);
  setTimeout(() => {
    if (stopping) return;
    fo.portIdx = (fo.portIdx + 1) % fo.ports.length;
    foSignals.reconnects++;
    const ws = new RawWs(fo.host, fo.ports[fo.portIdx]!, fo.path, fo.local, subscriberEvents);
    ws.data = c;
    conns.push(ws);
  }, delay);
}

function foLost(c: Conn, fo: FoConn, what: string): void {
  fo.connected = false;
  fo.ws = undefined;
  fo.pendingSubs.clear();
  for (const t of fo.tracks) {
    if (t.retry !== undefined) clearTimeout(t.retry);
    t.retry = undefined;
    if (t.state !== 'ended') t.state = 'idle';
    t.signalPending = true;
    note(t, what);
  }
  foReconnect(c, fo);
}

function foClosed(c: Conn, fo: FoConn, code: string): void {
  bump(foSignals.closes, code);
  foLost(c, fo, `closed ${code}`);
}

function foFailed(c: Conn, fo: FoConn, reason: string): void {
  foSignals.connectFailures++;
  foLost(c, fo, `connect failed (${reason.slice(0, 40)})`);
}

function failoverReport(finals: Record<string, number>): FailoverReport {
  const kind = (): { clients: number; complete: number; signalled: number; silent: number } => ({ clients: 0, complete: 0, signalled: 0, silent: 0 });
  const r: FailoverReport = {
    clients: 0,
    ready: 0,
    complete: 0,
    signalled: 0,
    silent: 0,
    caughtUp: 0,
    byKind: { recoverable: kind(), plain: kind() },
    deliveries: stats.deliveries,
    duplicates: 0,
    gapsSignalled: 0,
    gapsSilent: 0,
    missedSignalled: 0,
    missedSilent: 0,
    tailsSignalled: 0,
    tailsSilent: 0,
    signals: { ...foSignals, closes: { ...foSignals.closes }, unsubscribes: { ...foSignals.unsubscribes }, subscribeErrors: { ...foSignals.subscribeErrors } },
    subscribeErrorExamples: [...subscribeErrorExamples],
    silentExamples: [...silentExamples],
  };
  const seen = new Set<Conn>();
  for (const ws of conns) {
    const c = ws.data as Conn;
    const fo = c.fo;
    if (fo === undefined || seen.has(c)) continue;
    seen.add(c);
    r.clients++;
    if (c.ready) r.ready++;
    let gaps = 0;
    let silent = 0;
    let caught = true;
    for (const t of fo.tracks) {
      const final = finals[t.channel] ?? 0;
      r.duplicates += t.dups;
      r.gapsSignalled += t.gapsSignalled;
      r.gapsSilent += t.gapsSilent;
      r.missedSignalled += t.missedSignalled;
      r.missedSilent += t.missedSilent;
      gaps += t.gapsSignalled + t.gapsSilent;
      silent += t.gapsSilent;
      if (t.last < final) {
        // The end of the stream is missing: honest only if a signal came after the last message.
        caught = false;
        gaps++;
        if (t.signalPending) r.tailsSignalled++;
        else {
          r.tailsSilent++;
          silent++;
          if (r.silentExamples.length < 20) r.silentExamples.push(`client ${c.index} ${t.channel}: stopped at ${t.last} of ${final} without a signal; events: ${t.events.join(' | ')}`);
        }
      }
    }
    const k = r.byKind[fo.recoverable ? 'recoverable' : 'plain'];
    k.clients++;
    if (caught) r.caughtUp++;
    if (silent > 0) {
      r.silent++;
      k.silent++;
    } else if (gaps > 0) {
      r.signalled++;
      k.signalled++;
    } else {
      r.complete++;
      k.complete++;
    }
  }
  return r;
}

// ---- sequence publisher ----------------------------------------------------------------------------

interface PubChannel {
  readonly channel: string;
  /** The number being published (retried until acknowledged). */
  next: number;
  final: number;
  inflight: number | undefined;
  sentAt: number;
  dueAt: number;
}

class SeqPublisher {
  private ws: RawWs | undefined;
  private connected = false;
  private portIdx = 0;
  private nextId = 10;
  private stopped = false;
  /** Stopping: answer what is in flight, send nothing new. */
  private draining = false;
  private outageStart: number | undefined;
  private readonly chans: PubChannel[];
  private readonly byId = new Map<number, PubChannel>();
  private readonly timer: NodeJS.Timeout;
  private readonly period: number;
  private readonly started = performance.now();
  private acked = 0;
  private errors = 0;
  private reconnects = 0;
  private readonly errorCodes: Record<string, number> = {};
  private readonly outagesMs: number[] = [];

  constructor(private readonly cmd: SeqPublishStartCommand) {
    this.period = 1000 / cmd.ratePerChannel;
    const now = performance.now();
    // Staggered so the channels do not all publish in the same tick.
    this.chans = cmd.channels.map((channel, k) => ({ channel, next: 1, final: 0, inflight: undefined, sentAt: 0, dueAt: now + (k * this.period) / cmd.channels.length }));
    this.connect();
    this.timer = setInterval(() => this.tick(), 5);
  }

  private connect(): void {
    if (this.stopped) return;
    const port = this.cmd.ports[this.portIdx % this.cmd.ports.length]!;
    this.ws = new RawWs(this.cmd.host, port, wsPath('livehub'), undefined, {
      open: (ws) => ws.send('{"id":1,"connect":{}}'),
      frame: (ws, buf, s, e) => this.onText(ws, buf.toString('utf8', s, e)),
      close: () => this.onClose(),
      fail: () => this.onClose(),
    });
  }

  private onText(ws: RawWs, text: string): void {
    for (const msg of frameMessages(ws, text)) {
      if (msg.id === 1) {
        if (msg.error !== undefined) ws.destroy();
        else this.connected = true;
        continue;
      }
      const ch = msg.id === undefined ? undefined : this.byId.get(msg.id);
      if (ch === undefined) continue;
      this.byId.delete(msg.id!);
      if (msg.error !== undefined) {
        this.failed(ch, String(msg.error.code ?? 'error'));
        continue;
      }
      const now = performance.now();
      this.acked++;
      ch.final = ch.next;
      ch.next++;
      ch.inflight = undefined;
      ch.dueAt = Math.max(ch.dueAt + this.period, now - this.period);
      if (this.outageStart !== undefined) {
        this.outagesMs.push(Math.round(now - this.outageStart));
        this.outageStart = undefined;
      }
    }
  }

  /** The number was not acknowledged: publish the same number again shortly (never skip one). */
  private failed(ch: PubChannel, why: string): void {
    const now = performance.now();
    this.errors++;
    bump(this.errorCodes, why);
    ch.inflight = undefined;
    ch.dueAt = now + 100;
    this.outageStart ??= now;
  }

  private tick(): void {
    if (!this.connected || this.stopped || this.ws === undefined) return;
    const now = performance.now();
    const out: string[] = [];
    for (const ch of this.chans) {
      if (ch.inflight !== undefined) {
        if (now - ch.sentAt > 5000) {
          this.byId.delete(ch.inflight);
          this.failed(ch, 'timeout');
        }
        continue;
      }
      if (this.draining || now < ch.dueAt) continue;
      const id = this.nextId++;
      ch.inflight = id;
      ch.sentAt = now;
      this.byId.set(id, ch);
      out.push(`{"id":${id},"publish":{"channel":${JSON.stringify(ch.channel)},"data":{"s":${ch.next}}}}`);
    }
    if (out.length > 0) this.ws.send(out.join('\n'));
  }

  private onClose(): void {
    this.connected = false;
    if (this.stopped) return;
    for (const ch of this.chans) {
      if (ch.inflight === undefined) continue;
      this.byId.delete(ch.inflight);
      this.failed(ch, 'closed');
    }
    this.reconnects++;
    this.portIdx++;
    setTimeout(() => this.connect(), 100);
  }

  async stop(): Promise<SeqPublishResult> {
    // Let the numbers in flight be answered so `finals` are exact (bounded: 5 s).
    const until = performance.now() + 5000;
    this.draining = true;
    while (this.chans.some((ch) => ch.inflight !== undefined) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.close();
    return {
      finals: Object.fromEntries(this.chans.map((ch) => [ch.channel, ch.final])),
      acked: this.acked,
      errors: this.errors,
      errorCodes: this.errorCodes,
      reconnects: this.reconnects,
      outagesMs: this.outageStart === undefined ? this.outagesMs : [...this.outagesMs, Math.round(performance.now() - this.outageStart)],
      durationMs: Math.round(performance.now() - this.started),
    };
  }
}

let seqPublisher: SeqPublisher | undefined;

function seqPublishStart(cmd: SeqPublishStartCommand): void {
  if (seqPublisher !== undefined) throw new Error('sequence publisher already running');
  seqPublisher = new SeqPublisher(cmd);
}

async function seqPublishStop(): Promise<SeqPublishResult> {
  const p = seqPublisher;
  if (p === undefined) throw new Error('no sequence publisher running');
  seqPublisher = undefined;
  return p.stop();
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

serveCommands<Command>((command, { reply, fail }) => {
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
      stopping = true; // resilient connections must not reconnect now
      for (const ws of conns) ws.destroy();
      conns.length = 0;
      reply(null);
      break;
    case 'seqPublishStart':
      try {
        seqPublishStart(command);
        reply(null);
      } catch (err) {
        fail(err);
      }
      break;
    case 'seqPublishStop':
      seqPublishStop().then(reply, fail);
      break;
    case 'failoverReport':
      reply(failoverReport(command.finals));
      break;
    case 'exit':
      stopping = true;
      reply(null);
      setTimeout(() => process.exit(0), 10);
      break;
  }
});
