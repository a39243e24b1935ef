// Adapts a `ws` WebSocket to the session's ClientTransport. Frames are pre-built and shared, so we
// hand them to ws's Sender.sendFrame (one write, no copy); if a future ws drops that private method
// we fall back to ws.send(text), which is correct but frames per socket.
//
// Coalescing (docs/performance.md, "Where the Node limit really is"): a write does not go to the
// socket at once. The first message of a turn is parked on the transport and the transport is put
// on one shared list; further messages in the same turn are appended to it (frame.ts: newline-joined,
// shared between sockets that queued the same sequence). One setImmediate per event-loop turn — not
// one per socket — then writes every parked frame with a single write per socket. A message alone in
// its turn still goes out as exactly the frame it was (same bytes as before); a burst of N messages
// to a socket costs one system call instead of N. Order is kept: everything for a socket passes
// through its one parked frame, and close() writes what is parked before the close frame.

import type { WebSocket } from 'ws';
import type { ClientTransport } from '../live/client.js';
import { MAX_BATCH_PAYLOAD, type OutboundFrame, type OutboundMessage } from '../protocol/outbound-message.js';

interface FrameSender {
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
}

/** After a server close, how long the peer gets to read the close frame before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

function frameSender(ws: WebSocket): FrameSender | undefined {
  const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
  return typeof sender?.sendFrame === 'function' ? (sender as FrameSender) : undefined;
}

// ---- one flush per event-loop turn for all sockets -------------------------------------------------

let parked: WsClientTransport[] = [];
let spare: WsClientTransport[] = [];
let flushScheduled = false;

function flushParked(): void {
  flushScheduled = false;
  // Swap the lists so writes that park again during the flush (none today) go to the next turn.
  const list = parked;
  parked = spare;
  for (let i = 0; i < list.length; i++) list[i]!.flush();
  list.length = 0;
  spare = list;
}

function park(transport: WsClientTransport): void {
  parked.push(transport);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushParked);
  }
}

export class WsClientTransport implements ClientTransport {
  private readonly sender: FrameSender | undefined;
  /** What this socket will be sent at the end of the turn (undefined: nothing parked). */
  private pending: OutboundFrame | undefined;

  constructor(private readonly ws: WebSocket) {
    this.sender = frameSender(ws);
  }

  /** True when the shared-frame fast path is in use (pinned by a test). */
  get sharesFrames(): boolean {
    return this.sender !== undefined;
  }

  write(message: OutboundMessage): void {
    if (this.ws.readyState !== 1) return;
    const pending = this.pending;
    if (pending === undefined) {
      this.pending = message;
      park(this);
    } else if (pending.payloadBytes + message.payloadBytes < MAX_BATCH_PAYLOAD) {
      this.pending = pending.append(message);
    } else {
      // Big enough already: write what is parked now and park the new message (stays on the list).
      this.writeNow(pending);
      this.pending = message;
    }
  }

  /** Writes the parked frame, if any (called once per turn by the shared flush, and by close). */
  flush(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.writeNow(pending);
  }

  private writeNow(frame: OutboundFrame): void {
    if (this.ws.readyState !== 1) return;
    if (this.sender !== undefined) this.sender.sendFrame(frame.frameList);
    else this.ws.send(frame.text);
  }

  /** Bytes not yet handed to the kernel: ws/socket buffers plus the frame parked for this turn. */
  get bufferedBytes(): number {
    const pending = this.pending;
    return pending === undefined ? this.ws.bufferedAmount : this.ws.bufferedAmount + pending.wireBytes;
  }

  close(code: number, reason: string): void {
    this.flush();
    if (this.ws.readyState === 1 || this.ws.readyState === 0) this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
