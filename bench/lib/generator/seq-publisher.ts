// Role 3b of a generator child (failover scenario): the sequence publisher. Over one livehub
// connection it publishes `{"s":N}` to each channel at `ratePerChannel`, N + 1 only once N was
// acknowledged: a refused, timed-out or interrupted number is published again, never skipped, so
// every number up to a channel's final one reached the server and a subscriber's hole is a loss. On
// a close it moves on to the next port of its list; it records error codes and outage lengths.

import { wsPath } from '../protocol.js';
import { RawWs } from '../rawws.js';
import type { SeqPublishResult, SeqPublishStartCommand } from './commands.js';
import { bump, frameMessages } from './server-messages.js';

interface PubChannel {
  readonly channel: string;
  /** The number being published (retried until acknowledged). */
  next: number;
  final: number;
  inflight: number | undefined;
  sentAt: number;
  dueAt: number;
}

export class SeqPublisher {
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
