// Role 1 of a generator child: subscriber connections. It opens connections at a bounded rate (at
// most 400 handshakes in flight), completes each server's handshake and subscriptions (livehub:
// Centrifuge connect + subscribe; bare: `{"sub"}`; Socket.IO: engine.io open, namespace, acked
// `sub` events), counts deliveries by scanning frames for the marker, samples latency on every
// `sampleEvery`-th connection, stalls every `stallEvery`-th one (a slow consumer), answers pings and
// sends round-trip probes. Connections opened with `failover` are resilient ones (resilient.ts).

import { MARKER, nowMs, wsPath } from '../protocol.js';
import { RawWs, type RawWsEvents } from '../rawws.js';
import type { ChildStats, OpenCommand } from './commands.js';
import type { Conn } from './connection.js';
import { BINARY, PROTOBUF_PONG, protobufCommands, readProtobufFrame } from './protobuf-frames.js';
import { ResilientClients, type ResilientHost } from './resilient.js';

const MAX_SAMPLES = 200_000;
const MAX_FAILURES = 20;
/** Probe ids start here, above every command id a connection uses. */
const FIRST_RTT_ID = 1_000_000;
const markerByte0 = MARKER.charCodeAt(0);
const markerByte1 = MARKER.charCodeAt(1);

/** Markers in buf[start, end); on a sampled connection each one's latency goes into `latencies`. */
function countMarkers(buf: Buffer, start: number, end: number, sampled: boolean, latencies: number[]): number {
  let n = 0;
  let p = buf.indexOf(markerByte0, start);
  let now = 0;
  while (p >= 0 && p < end - 1) {
    if (buf[p + 1] === markerByte1) {
      n++;
      if (sampled && latencies.length < MAX_SAMPLES) {
        if (now === 0) now = nowMs();
        const stop = buf.indexOf(markerByte0, p + 2);
        const sent = Number(buf.toString('latin1', p + 2, stop < 0 || stop > end ? Math.min(end, p + 22) : stop));
        if (Number.isFinite(sent)) latencies.push(now - sent);
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

export class Subscribers implements ResilientHost {
  readonly stats: ChildStats = {
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
  readonly resilient = new ResilientClients(this);
  private readonly conns: RawWs[] = [];
  private rttId = FIRST_RTT_ID;
  private rttCursor = 0;
  private readonly events: RawWsEvents = {
    open: (ws) => this.onOpen(ws),
    frame: (ws, buf, start, end) => this.onFrame(ws, buf, start, end),
    close: (ws, code) => this.onClose(ws, code),
    fail: (ws, reason) => this.onFail(ws, reason),
  };

  /** Opens `cmd.count` connections at `cmd.rampPerSec`; resolves once all settled (ready or closed) or at the deadline. */
  async open(cmd: OpenCommand): Promise<void> {
    this.resilient.resume();
    const path = wsPath(cmd.protocol);
    const deadline = Date.now() + cmd.timeoutMs;
    let next = 0;
    const perTick = Math.max(1, Math.round(cmd.rampPerSec / 100));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const inFlight = this.conns.filter((w) => w.state === 0).length;
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
          if (cmd.failover !== undefined) conn.fo = this.resilient.create(cmd, cmd.failover, index, channels, local);
          this.connect(conn, cmd.host, cmd.port, path, local);
        }
        if (next >= cmd.count) {
          const settled = this.conns.every((w) => w.state === 2 || (w.data as Conn).ready);
          if (settled || Date.now() > deadline) {
            clearInterval(timer);
            resolve();
          }
        }
      }, 10);
    });
  }

  connect(c: Conn, host: string, port: number, path: string, local: string | undefined): void {
    const ws = new RawWs(host, port, path, local, this.events);
    ws.data = c;
    this.conns.push(ws);
  }

  /** Sends `count` round-trip probes over ready, reading connections (round-robin). */
  sendRtt(count: number): void {
    let sent = 0;
    for (let tries = 0; tries < this.conns.length && sent < count; tries++) {
      const ws = this.conns[this.rttCursor++ % this.conns.length]!;
      const c = ws.data as Conn;
      if (!c.ready || c.stall || ws.state !== 1) continue;
      const id = this.rttId++;
      c.rttSent.set(id, nowMs());
      if (c.protocol === 'livehub') ws.send(`{"id":${id},"presence_stats":{"channel":${JSON.stringify(c.channels[0])}}}`);
      else if (c.protocol === 'livehub-protobuf') ws.send(protobufCommands([{ id, presence_stats: { channel: c.channels[0]! } }]), BINARY);
      else if (c.protocol === 'bare') ws.send(`{"rtt":${id}}`);
      else ws.send(`42${id}["rtt"]`);
      sent++;
    }
  }

  rttDone(c: Conn, id: number, ok: boolean): void {
    const sent = c.rttSent.get(id);
    if (sent === undefined) return;
    c.rttSent.delete(id);
    if (ok) this.stats.rtts.push(nowMs() - sent);
    else this.stats.rttErrors++;
  }

  /** The counters; `drain` hands over (and clears) the latency and RTT samples, else they are left out. */
  snapshot(drain: boolean): ChildStats {
    const stats = this.stats;
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

  /** The connections' own view, for the failover report. */
  *connections(): Generator<Conn> {
    for (const ws of this.conns) yield ws.data as Conn;
  }

  /** Drops every connection; resilient ones do not reconnect (until the next open). */
  closeAll(): void {
    this.resilient.stop();
    for (const ws of this.conns) ws.destroy();
    this.conns.length = 0;
  }

  private onOpen(ws: RawWs): void {
    const c = ws.data as Conn;
    if (c.fo !== undefined) return this.resilient.opened(ws, c.fo);
    this.stats.opened++;
    if (c.protocol === 'livehub') {
      ws.send([`{"id":1,"connect":{}}`, ...c.channels.map((ch, k) => `{"id":${k + 2},"subscribe":{"channel":${JSON.stringify(ch)}}}`)].join('\n'));
    } else if (c.protocol === 'livehub-protobuf') {
      ws.send(protobufCommands([{ id: 1, connect: {} }, ...c.channels.map((channel, k) => ({ id: k + 2, subscribe: { channel } }))]), BINARY);
    } else if (c.protocol === 'bare') {
      for (const ch of c.channels) ws.send(`{"sub":${JSON.stringify(ch)}}`);
    }
    // socket.io: the server speaks first (open packet)
  }

  private onFrame(ws: RawWs, buf: Buffer, start: number, end: number): void {
    const c = ws.data as Conn;
    this.stats.bytes += end - start;
    if (c.fo !== undefined) return this.resilient.text(ws, c, c.fo, buf.toString('utf8', start, end));
    if (c.protocol === 'livehub-protobuf') return this.onProtobufFrame(ws, c, buf.subarray(start, end));
    const n = countMarkers(buf, start, end, c.sampled, this.stats.latencies);
    if (n > 0) {
      this.stats.deliveries += n;
      if (c.protocol === 'socketio' || countNewlines(buf, start, end) + 1 === n) return;
    }
    this.onControlText(ws, c, buf.toString('utf8', start, end));
  }

  private onClose(ws: RawWs, code: number): void {
    const c = ws.data as Conn;
    const key = String(code);
    this.stats.closes[key] = (this.stats.closes[key] ?? 0) + 1;
    if (c.ready) this.stats.ready--;
    c.ready = false;
    for (const id of c.rttSent.keys()) this.rttDone(c, id, false);
    if (c.fo !== undefined) this.resilient.closed(c, c.fo, key);
  }

  private onFail(ws: RawWs, reason: string): void {
    const c = ws.data as Conn;
    if (c.fo !== undefined) return this.resilient.failed(c, c.fo, reason);
    this.stats.failed++;
    if (this.stats.failures.length < MAX_FAILURES) this.stats.failures.push(reason);
  }

  /** Replies, acks and pings (frames without a marker, or with more lines than markers). */
  private onControlText(ws: RawWs, c: Conn, text: string): void {
    if (c.protocol === 'socketio') return this.onSocketIoPacket(ws, c, text);
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
        if (id >= FIRST_RTT_ID) this.rttDone(c, id, true);
        else if (id === 1 && msg['error'] !== undefined) this.failConn(ws, `connect error ${JSON.stringify(msg['error'])}`);
        else if (id >= 2) {
          if (msg['error'] !== undefined) this.failConn(ws, `subscribe error ${JSON.stringify(msg['error'])}`);
          else if (++c.subscribed === c.channels.length) this.markReady(ws, c);
        }
      } else {
        if (typeof msg['subok'] === 'string' && ++c.subscribed === c.channels.length) this.markReady(ws, c);
        else if (typeof msg['rtt'] === 'number') this.rttDone(c, msg['rtt'], true);
      }
    }
  }

  /** A protobuf subscriber decodes every frame; each publication push is a delivery (its latency read from the marker in its data). */
  private onProtobufFrame(ws: RawWs, c: Conn, bytes: Buffer): void {
    readProtobufFrame(bytes, {
      publication: (data) => {
        this.stats.deliveries += Math.max(1, countMarkers(data, 0, data.length, c.sampled, this.stats.latencies));
      },
      ping: () => ws.send(PROTOBUF_PONG, BINARY),
      reply: (id, error) => {
        if (id >= FIRST_RTT_ID) this.rttDone(c, id, true);
        else if (id === 1 && error !== undefined) this.failConn(ws, `connect error ${JSON.stringify(error)}`);
        else if (id >= 2) {
          if (error !== undefined) this.failConn(ws, `subscribe error ${JSON.stringify(error)}`);
          else if (++c.subscribed === c.channels.length) this.markReady(ws, c);
        }
      },
    });
  }

  private onSocketIoPacket(ws: RawWs, c: Conn, text: string): void {
    if (text === '2') return ws.send('3');
    if (text.startsWith('0')) return ws.send('40');
    if (text.startsWith('40')) {
      c.channels.forEach((ch, k) => ws.send(`42${k + 1}${JSON.stringify(['sub', ch])}`));
      return;
    }
    if (text.startsWith('43')) {
      const id = parseInt(text.slice(2), 10);
      if (id >= FIRST_RTT_ID) this.rttDone(c, id, true);
      else if (id >= 1 && ++c.subscribed === c.channels.length) this.markReady(ws, c);
      return;
    }
    if (text.startsWith('44')) this.failConn(ws, `socket.io connect error ${text}`);
  }

  private failConn(ws: RawWs, reason: string): void {
    if (this.stats.failures.length < MAX_FAILURES) this.stats.failures.push(reason);
    ws.destroy();
  }

  private markReady(ws: RawWs, c: Conn): void {
    if (c.ready) return;
    c.ready = true;
    this.stats.ready++;
    if (c.stall) {
      this.stats.stalled++;
      ws.socket.pause();
    }
  }
}
