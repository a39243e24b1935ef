// Adapts a `ws` WebSocket to the session's ClientTransport. Frames are pre-built and shared, so we
// hand them to ws's Sender.sendFrame (one write, no copy); if a future ws drops that private method
// we fall back to ws.send(payload), which is correct but frames per socket. Writes are coalesced per
// event-loop turn (coalescing-transport.ts). JSON goes out in text frames, protobuf in binary ones.

import type { WebSocket } from 'ws';
import type { TransportName } from '../live/client.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import { JSON_CODEC } from '../protocol/json-codec.js';
import type { OutboundFrame } from '../protocol/outbound-message.js';
import { PROTOBUF_CODEC } from '../protocol/protobuf/protobuf-codec.js';
import { CoalescingTransport } from './coalescing-transport.js';

interface FrameSender {
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
}

/** After a server close, how long the peer gets to read the close frame before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

function frameSender(ws: WebSocket): FrameSender | undefined {
  const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === 'function' ? (sender as FrameSender) : undefined;
}

// The name and codec are prototype getters, not fields: every idle connection holds one of these
// (per-connection memory, docs/performance.md "memory").

/** A JSON WebSocket (text frames). */
export class WsClientTransport extends CoalescingTransport {
  private readonly sender: FrameSender | undefined;

  constructor(private readonly ws: WebSocket) {
    super();
    this.sender = frameSender(ws);
  }

  get name(): TransportName {
    return 'websocket';
  }

  get codec(): ProtocolCodec {
    return JSON_CODEC;
  }

  /** True when the shared-frame fast path is in use (pinned by a test). */
  get sharesFrames(): boolean {
    return this.sender !== undefined;
  }

  protected get open(): boolean {
    return this.ws.readyState === 1;
  }

  protected get socketBufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  protected writeNow(frame: OutboundFrame): void {
    if (this.sender !== undefined) this.sender.sendFrame(frame.frameList);
    else this.ws.send(frame.binary ? frame.payload : frame.text, { binary: frame.binary });
  }

  close(code: number, reason: string): void {
    this.flush();
    if (this.ws.readyState === 1 || this.ws.readyState === 0) this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}

/** A protobuf WebSocket (binary frames). */
export class ProtobufWsClientTransport extends WsClientTransport {
  override get codec(): ProtocolCodec {
    return PROTOBUF_CODEC;
  }
}
