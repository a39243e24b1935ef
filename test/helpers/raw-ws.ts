// A raw protocol client for what centrifuge-js never does on purpose: malformed frames, missing
// pongs, commands before connect. Frames are parsed as the client would (split on "\n").

import { WebSocket } from 'ws';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  /** Every received line as the server wrote it (byte-exact checks). */
  readonly lines: string[] = [];
  /** Every WebSocket message as received: the protocol messages it carried, one per line. */
  readonly messages: Record<string, unknown>[][] = [];
  readonly closed: Promise<Closed>;
  private readonly ws: WebSocket;
  private waiters: Array<() => void> = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const raw = data.toString().trim().split('\n');
      const parsed = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
      this.messages.push(parsed);
      for (const line of raw) this.lines.push(line);
      for (const message of parsed) this.frames.push(message);
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  /** `localAddress` (e.g. 127.0.0.7) makes the server see another client address on loopback. */
  static open(url: string, options: { headers?: Record<string, string>; maxPayload?: number; localAddress?: string } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: options.headers ?? {},
        maxPayload: options.maxPayload ?? 0,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
      });
      const client = new RawClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(...commands: unknown[]): void {
    this.ws.send(commands.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join('\n'));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Waits for a frame matching `pred` (already received or future). */
  async next(pred: (frame: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
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

  reply(id: number, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return this.next((f) => f['id'] === id, timeoutMs);
  }

  async connect(token?: string): Promise<Record<string, unknown>> {
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
