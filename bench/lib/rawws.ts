// A minimal WebSocket client on a bare TCP socket, for load generation: it performs the upgrade,
// parses server frames (never masked) straight out of the received chunks without copying them into
// messages, and sends masked frames with an all-zero mask (valid per RFC 6455 and free to apply).
// The load generator counts deliveries by scanning payload bytes, so it costs far less CPU per
// message than a full client (`ws` builds a Buffer, a string and an event per message) and the
// server, not the generator, is what a benchmark measures.

import { connect, type Socket } from 'node:net';

export interface RawWsEvents {
  open(ws: RawWs): void;
  /** A complete text (or binary) frame: payload is buf[start, end). Only valid during the call. */
  frame(ws: RawWs, buf: Buffer, start: number, end: number): void;
  /** Close frame code (1005 when none), or -1 when the TCP connection ended without one. */
  close(ws: RawWs, code: number): void;
  /** Connection failed before the upgrade (TCP error or non-101 answer). */
  fail(ws: RawWs, reason: string): void;
}

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export class RawWs {
  readonly socket: Socket;
  /** 0 = upgrading, 1 = open, 2 = closed. */
  state = 0;
  /** Slot for the generator's per-connection data. */
  data: unknown;
  private pend: Buffer[] | undefined;
  private pendLen = 0;
  private need = 0;
  private closeCode = -1;

  constructor(
    host: string,
    port: number,
    path: string,
    localAddress: string | undefined,
    private readonly events: RawWsEvents,
  ) {
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      if (this.state === 0) this.failWith(err.message);
    });
    socket.on('close', () => {
      if (this.state === 0) return this.failWith('closed during upgrade');
      if (this.state === 2) return;
      this.state = 2;
      this.events.close(this, this.closeCode);
    });
  }

  private failWith(reason: string): void {
    if (this.state !== 0) return;
    this.state = 2;
    this.socket.destroy();
    this.events.fail(this, reason);
  }

  /** Sends a text frame (opcode 1) or another opcode. */
  send(text: string | Buffer, opcode = 1): void {
    if (this.state !== 1) return;
    const payload = typeof text === 'string' ? Buffer.from(text) : text;
    const len = payload.length;
    const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const out = Buffer.allocUnsafe(hdr + 4 + len);
    out[0] = 0x80 | opcode;
    if (hdr === 2) out[1] = 0x80 | len;
    else if (hdr === 4) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(len, 2);
    } else {
      out[1] = 0x80 | 127;
      out.writeUInt32BE(0, 2);
      out.writeUInt32BE(len, 6);
    }
    out.writeUInt32BE(0, hdr); // zero mask key: the payload goes as is
    payload.copy(out, hdr + 4);
    this.socket.write(out);
  }

  /** Drops the connection without a close handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Sends a close frame and ends the socket. */
  close(code = 1000): void {
    if (this.state !== 1) return this.destroy();
    const b = Buffer.alloc(2);
    b.writeUInt16BE(code, 0);
    this.send(b, 8);
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    if (this.pend !== undefined) {
      this.pend.push(chunk);
      this.pendLen += chunk.length;
      if (this.pendLen < this.need) return;
      chunk = Buffer.concat(this.pend, this.pendLen);
      this.pend = undefined;
    }
    let p = 0;
    if (this.state === 0) {
      const end = chunk.indexOf('\r\n\r\n');
      if (end < 0) {
        this.keep(chunk, 0, chunk.length + 1);
        return;
      }
      const status = chunk.toString('latin1', 0, Math.min(end, 40));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.failWith(`upgrade refused: ${status.split('\r\n')[0]}`);
        return;
      }
      this.state = 1;
      this.events.open(this);
      p = end + 4;
    }
    const n = chunk.length;
    while (p < n) {
      if (n - p < 2) return this.keep(chunk, p, 2);
      const b1 = chunk[p + 1]! & 0x7f;
      let hdr = 2;
      let len = b1;
      if (b1 === 126) {
        if (n - p < 4) return this.keep(chunk, p, 4);
        hdr = 4;
        len = chunk.readUInt16BE(p + 2);
      } else if (b1 === 127) {
        if (n - p < 10) return this.keep(chunk, p, 10);
        hdr = 10;
        len = chunk.readUInt32BE(p + 6);
      }
      const total = hdr + len;
      if (n - p < total) return this.keep(chunk, p, total);
      const opcode = chunk[p]! & 0x0f;
      const start = p + hdr;
      p += total;
      if (opcode === 1 || opcode === 2 || opcode === 0) this.events.frame(this, chunk, start, p);
      else if (opcode === 9) this.send(chunk.subarray(start, p), 10);
      else if (opcode === 8) {
        this.closeCode = len >= 2 ? chunk.readUInt16BE(start) : 1005;
        this.socket.destroy();
        return;
      }
      if (this.state !== 1) return;
    }
  }

  private keep(chunk: Buffer, from: number, need: number): void {
    this.pend = [chunk.subarray(from)];
    this.pendLen = chunk.length - from;
    this.need = need;
  }
}
