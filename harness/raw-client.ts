// A raw Centrifuge protocol v2 (JSON) client on `ws`, for what centrifuge-js never does on purpose
// (malformed frames, missing pongs, commands before connect) and for scripts that drive many plain
// clients. Messages are split on "\n" as the real client does. By default every received frame is
// kept for next()/reply(); a long-running client passes `keep: false` and reads them in onFrame.

import { WebSocket } from 'ws';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export type Frame = Record<string, unknown>;

export interface RawClientOptions {
  readonly headers?: Record<string, string>;
  readonly maxPayload?: number;
  /** A source address (e.g. 127.0.0.7) makes the server see another client address on loopback. */
  readonly localAddress?: string;
  /** Answer the server's pings (`{}`) with a pong (default false: tests of missing pongs). */
  readonly answerPings?: boolean;
  /** Keep received frames, lines and messages for next()/reply() (default true). */
  readonly keep?: boolean;
}

/** A protocol line as an object; a line that is not JSON becomes `{unparseable: line}`. */
function parseLine(line: string): Frame {
  try {
    return JSON.parse(line) as Frame;
  } catch {
    return { unparseable: line };
  }
}

export class RawClient {
  readonly frames: Frame[] = [];
  /** Every received line as the server wrote it (byte-exact checks). */
  readonly lines: string[] = [];
  /** Every WebSocket message as received: the protocol messages it carried, one per line. */
  readonly messages: Frame[][] = [];
  readonly closed: Promise<Closed>;
  private readonly ws: WebSocket;
  private waiters: Array<() => void> = [];
  private readonly listeners: Array<(frame: Frame) => void> = [];
  private nextId = 1;

  private constructor(ws: WebSocket, options: RawClientOptions) {
    this.ws = ws;
    const keep = options.keep ?? true;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const raw = data.toString().trim().split('\n');
      const parsed = raw.map(parseLine);
      if (options.answerPings === true && raw.length === 1 && raw[0] === '{}') {
        this.sendRaw('{}');
        return;
      }
      if (keep) {
        this.messages.push(parsed);
        for (const line of raw) this.lines.push(line);
        for (const frame of parsed) this.frames.push(frame);
      }
      for (const frame of parsed) for (const listener of this.listeners) listener(frame);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  /** Opens the WebSocket; rejects on an HTTP answer other than the upgrade (the error carries `status`). */
  static open(url: string, options: RawClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: options.headers ?? {},
        maxPayload: options.maxPayload ?? 0,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      });
      const client = new RawClient(ws, options);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Calls `listener` with every frame received from now on. */
  onFrame(listener: (frame: Frame) => void): void {
    this.listeners.push(listener);
  }

  /** Sends commands in one WebSocket message (objects are JSON-encoded, strings sent as they are). */
  send(...commands: unknown[]): void {
    this.ws.send(commands.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join('\n'));
  }

  sendRaw(data: string | Buffer): void {
    if (this.open) this.ws.send(data);
  }

  /**
   * Sends commands (`{connect: {}}`, `{subscribe: {channel}}`, …) numbered from the client's own
   * counter in one message; resolves with their ids. For tests that pick ids themselves: send().
   */
  command(...bodies: Frame[]): number[] {
    const ids = bodies.map(() => this.nextId++);
    if (this.open) this.send(...bodies.map((body, i) => ({ id: ids[i], ...body })));
    return ids;
  }

  /** Waits for a frame matching `pred` (already received or future) and takes it out of `frames`. */
  async next(pred: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(pred);
      if (found !== undefined) {
        this.frames.splice(this.frames.indexOf(found), 1);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  reply(id: number, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f['id'] === id, timeoutMs);
  }

  async connect(token?: string): Promise<Frame> {
    this.send({ id: 1, connect: token === undefined ? {} : { token } });
    return this.reply(1);
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
