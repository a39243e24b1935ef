// Adapts a `ws` WebSocket to the session's ClientTransport. Frames are pre-built and shared, so we
// hand them to ws's Sender.sendFrame (one corked write, no copy); if a future ws drops that private
// method we fall back to ws.send(text), which is correct but frames per socket.

import type { WebSocket } from 'ws';
import type { ClientTransport } from '../live/client.js';
import type { OutboundMessage } from './frame.js';

interface FrameSender {
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
}

/** After a server close, how long the peer gets to read the close frame before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

function frameSender(ws: WebSocket): FrameSender | undefined {
  const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === 'function' ? (sender as FrameSender) : undefined;
}

export class WsClientTransport implements ClientTransport {
  private readonly sender: FrameSender | undefined;

  constructor(private readonly ws: WebSocket) {
    this.sender = frameSender(ws);
  }

  /** True when the shared-frame fast path is in use (pinned by a test). */
  get sharesFrames(): boolean {
    return this.sender !== undefined;
  }

  write(message: OutboundMessage): void {
    if (this.ws.readyState !== 1) return;
    if (this.sender !== undefined) this.sender.sendFrame([message.frame]);
    else this.ws.send(message.text);
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === 1 || this.ws.readyState === 0) this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
