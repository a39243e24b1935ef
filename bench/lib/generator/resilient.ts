// Role 3a of a generator child (failover scenario): resilient, sequence-tracking livehub clients that
// behave like centrifuge-js. A closed connection moves on to the next port of its list with back-off;
// an unsubscribe push ≥ 2500 resubscribes at once (recovering by offset/epoch when recoverable);
// temporary subscribe errors (100, 111) are retried. Per channel the numbers `{"s":N}` of the
// sequence publisher go through a SeqTracker, so each hole counts as signalled (a close, a refused
// subscribe, an unsubscribe push, a resubscribe without recovery came first) or silent.

import { SeqTracker } from '../../../harness/gap-ledger.js';
import { wsPath } from '../protocol.js';
import type { RawWs } from '../rawws.js';
import type { ChildStats, FailoverOpen, FailoverReport, OpenCommand } from './commands.js';
import type { ChannelTrack, Conn, ResilientConn } from './connection.js';
import { bump, frameMessages, type ServerMessage, type ServerPublication } from './server-messages.js';

/** What the resilient clients need from the connections they live in (subscribers.ts). */
export interface ResilientHost {
  readonly stats: ChildStats;
  /** A round-trip probe's reply arrived (ok) or failed. */
  rttDone(c: Conn, id: number, ok: boolean): void;
  /** Opens a new socket for `c` (a reconnect), tracked like every other. */
  connect(c: Conn, host: string, port: number, path: string, local: string | undefined): void;
}

function note(t: ChannelTrack, what: string): void {
  t.events.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
  if (t.events.length > 8) t.events.shift();
}

export class ResilientClients {
  /** Set by closeAll/exit: resilient connections stay closed from then on (reset by the next open). */
  private stopping = false;
  private readonly signals: FailoverReport['signals'] = {
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
  private readonly silentExamples: string[] = [];
  private readonly subscribeErrorExamples: string[] = [];

  constructor(private readonly host: ResilientHost) {}

  stop(): void {
    this.stopping = true;
  }

  resume(): void {
    this.stopping = false;
  }

  create(cmd: OpenCommand, f: FailoverOpen, index: number, channels: readonly string[], local: string | undefined): ResilientConn {
    const tracks = channels.map(
      (channel): ChannelTrack => ({ channel, state: 'idle', subscribedOnce: false, seq: new SeqTracker(), offset: 0, epoch: '', retry: undefined, events: [] }),
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

  opened(ws: RawWs, fo: ResilientConn): void {
    this.host.stats.opened++;
    fo.ws = ws;
    const lines = [`{"id":1,"connect":{}}`];
    for (const t of fo.tracks) if (t.state !== 'ended') lines.push(this.subscribeLine(fo, t));
    ws.send(lines.join('\n'));
  }

  text(ws: RawWs, c: Conn, fo: ResilientConn, text: string): void {
    for (const msg of frameMessages(ws, text)) {
      if (typeof msg.id === 'number') {
        this.reply(ws, c, fo, msg);
        continue;
      }
      const push = msg.push;
      if (push === undefined) continue;
      if (push.disconnect !== undefined) {
        this.signals.disconnectPushes++;
        continue;
      }
      const t = push.channel === undefined ? undefined : fo.byChannel.get(push.channel);
      if (t === undefined) continue;
      if (push.pub !== undefined) {
        this.publication(t, c, fo, push.pub);
      } else if (push.unsubscribe !== undefined) {
        const code = push.unsubscribe.code ?? 0;
        bump(this.signals.unsubscribes, String(code));
        note(t, `unsubscribe push ${code}`);
        t.seq.signal();
        // ≥ 2500: resubscribe at once (and recover); below: the subscription ends (centrifuge-js).
        if (code >= 2500) ws.send(this.subscribeLine(fo, t));
        else t.state = 'ended';
        this.checkReady(c, fo);
      }
    }
  }

  closed(c: Conn, fo: ResilientConn, code: string): void {
    bump(this.signals.closes, code);
    this.lost(c, fo, `closed ${code}`);
  }

  failed(c: Conn, fo: ResilientConn, reason: string): void {
    this.signals.connectFailures++;
    this.lost(c, fo, `connect failed (${reason.slice(0, 40)})`);
  }

  /** What the resilient connections among `conns` saw, judged against the publisher's final numbers. */
  report(finals: Record<string, number>, conns: Iterable<Conn>): FailoverReport {
    const kind = (): { clients: number; complete: number; signalled: number; silent: number } => ({ clients: 0, complete: 0, signalled: 0, silent: 0 });
    const signals = this.signals;
    const r: FailoverReport = {
      clients: 0,
      ready: 0,
      complete: 0,
      signalled: 0,
      silent: 0,
      caughtUp: 0,
      byKind: { recoverable: kind(), plain: kind() },
      deliveries: this.host.stats.deliveries,
      duplicates: 0,
      gapsSignalled: 0,
      gapsSilent: 0,
      missedSignalled: 0,
      missedSilent: 0,
      tailsSignalled: 0,
      tailsSilent: 0,
      signals: { ...signals, closes: { ...signals.closes }, unsubscribes: { ...signals.unsubscribes }, subscribeErrors: { ...signals.subscribeErrors } },
      subscribeErrorExamples: [...this.subscribeErrorExamples],
      silentExamples: [...this.silentExamples],
    };
    const seen = new Set<Conn>();
    for (const c of conns) {
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
        const s = t.seq;
        r.duplicates += s.duplicates;
        r.gapsSignalled += s.gapsSignalled;
        r.gapsSilent += s.gapsSilent;
        r.missedSignalled += s.missedSignalled;
        r.missedSilent += s.missedSilent;
        gaps += s.gapsSignalled + s.gapsSilent;
        silent += s.gapsSilent;
        const tail = s.tail(final + 1);
        if (tail.missed > 0) {
          // The end of the stream is missing: honest only if a signal came after the last message.
          caught = false;
          gaps++;
          if (tail.signalled) r.tailsSignalled++;
          else {
            r.tailsSilent++;
            silent++;
            if (r.silentExamples.length < 20) r.silentExamples.push(`client ${c.index} ${t.channel}: stopped at ${s.last} of ${final} without a signal; events: ${t.events.join(' | ')}`);
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

  private subscribeLine(fo: ResilientConn, t: ChannelTrack): string {
    const id = fo.nextId++;
    fo.pendingSubs.set(id, t);
    if (t.subscribedOnce) this.signals.resubscribes++;
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

  private checkReady(c: Conn, fo: ResilientConn): void {
    const ready = fo.connected && fo.tracks.every((t) => t.state === 'active');
    if (ready === c.ready) return;
    c.ready = ready;
    this.host.stats.ready += ready ? 1 : -1;
  }

  private publication(t: ChannelTrack, c: Conn, fo: ResilientConn, pub: ServerPublication): void {
    this.host.stats.deliveries++;
    if (typeof pub.offset === 'number') t.offset = pub.offset;
    const s = pub.data?.s;
    if (typeof s !== 'number') return;
    const before = t.seq.last;
    const silentBefore = t.seq.gapsSilent;
    t.seq.receive(s);
    if (t.seq.gapsSilent > silentBefore && this.silentExamples.length < 20) {
      this.silentExamples.push(`${new Date().toISOString().slice(11, 23)} client ${c.index} (${fo.recoverable ? 'recoverable' : 'plain'}, port ${fo.ports[fo.portIdx]}) ${t.channel}: ${before} → ${s} without a signal; before: ${t.events.join(' | ')}`);
    }
  }

  private reply(ws: RawWs, c: Conn, fo: ResilientConn, msg: ServerMessage): void {
    const id = msg.id!;
    if (id >= 1_000_000) return this.host.rttDone(c, id, msg.error === undefined);
    if (id === 1) {
      if (msg.error !== undefined) {
        // A refused connect: drop the socket, the close handler reconnects.
        ws.destroy();
        return;
      }
      fo.connected = true;
      fo.attempts = 0;
      return this.checkReady(c, fo);
    }
    const t = fo.pendingSubs.get(id);
    if (t === undefined) return;
    fo.pendingSubs.delete(id);
    if (msg.error !== undefined) {
      const code = msg.error.code ?? 0;
      bump(this.signals.subscribeErrors, String(code));
      if (this.subscribeErrorExamples.length < 3) this.subscribeErrorExamples.push(`${new Date().toISOString().slice(11, 23)} ${t.channel}: ${code} ${msg.error.message ?? ''}`);
      note(t, `subscribe error ${code}`);
      t.seq.signal();
      // Temporary errors (100 engine unavailable, 111) are retried like centrifuge-js does; others end it.
      if (msg.error.temporary === true || code === 100 || code === 111) {
        t.state = 'idle';
        t.retry = setTimeout(() => {
          t.retry = undefined;
          if (fo.ws === ws && ws.state === 1 && t.state === 'idle') ws.send(this.subscribeLine(fo, t));
        }, 200 + Math.random() * 300);
      } else {
        t.state = 'ended';
      }
      return this.checkReady(c, fo);
    }
    const sub = msg.subscribe ?? {};
    t.state = 'active';
    t.subscribedOnce = true;
    if (sub.recovered === true) {
      // The server claims continuity: a gap in what follows would be a silent loss.
      this.signals.recoveredTrue++;
      t.seq.signalPending = false;
    } else if (sub.was_recovering === true) {
      this.signals.recoveredFalse++;
    }
    if (fo.recoverable) {
      if (typeof sub.epoch === 'string') t.epoch = sub.epoch;
      t.offset = sub.offset ?? 0;
    }
    note(t, `subscribed${sub.recovered === true ? ' recovered' : sub.was_recovering === true ? ' NOT recovered' : ''} ${t.offset}/${t.epoch}`);
    for (const pub of sub.publications ?? []) this.publication(t, c, fo, pub);
    this.checkReady(c, fo);
  }

  private reconnect(c: Conn, fo: ResilientConn): void {
    if (this.stopping) return;
    fo.attempts++;
    const delay = Math.min(2000, 100 * 2 ** (fo.attempts - 1)) * (0.5 + Math.random() * 0.5);
    setTimeout(() => {
      if (this.stopping) return;
      fo.portIdx = (fo.portIdx + 1) % fo.ports.length;
      this.signals.reconnects++;
      this.host.connect(c, fo.host, fo.ports[fo.portIdx]!, fo.path, fo.local);
    }, delay);
  }

  private lost(c: Conn, fo: ResilientConn, what: string): void {
    fo.connected = false;
    fo.ws = undefined;
    fo.pendingSubs.clear();
    for (const t of fo.tracks) {
      if (t.retry !== undefined) clearTimeout(t.retry);
      t.retry = undefined;
      if (t.state !== 'ended') t.state = 'idle';
      t.seq.signal();
      note(t, what);
    }
    this.reconnect(c, fo);
  }
}
