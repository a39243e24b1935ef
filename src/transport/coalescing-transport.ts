// The write path shared by every client transport (WebSocket, HTTP-streaming, SSE). A write does not
// go to the socket at once: the first message of a turn is parked on the transport and the transport
// is put on one shared list; further messages in the same turn are appended to it (outbound-message.ts:
// joined, shared between sockets that queued the same sequence). One setImmediate per event-loop turn
// — not one per socket — then writes every parked frame with a single write per socket. A message
// alone in its turn still goes out as exactly the frame it was; a burst of N messages to a socket
// costs one system call instead of N (docs/performance.md, "Where the Node limit really is"). Order
// is kept: everything for a socket passes through its one parked frame, and closing writes what is
// parked first.

import type { ClientTransport, TransportName } from '../live/client.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import { MAX_BATCH_PAYLOAD, type OutboundFrame, type OutboundMessage } from '../protocol/outbound-message.js';

// ---- one flush per event-loop turn for all sockets -------------------------------------------------

let parked: CoalescingTransport[] = [];
let spare: CoalescingTransport[] = [];
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

function park(transport: CoalescingTransport): void {
  parked.push(transport);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushParked);
  }
}

export abstract class CoalescingTransport implements ClientTransport {
  /** What this socket will be sent at the end of the turn (undefined: nothing parked). */
  private pending: OutboundFrame | undefined;

  abstract readonly name: TransportName;
  abstract readonly codec: ProtocolCodec;
  /** The connection can take writes. */
  protected abstract get open(): boolean;
  /** Bytes handed to the socket but not yet to the kernel. */
  protected abstract get socketBufferedBytes(): number;
  /** One write of a (possibly joined) frame to the socket. */
  protected abstract writeNow(frame: OutboundFrame): void;
  abstract close(code: number, reason: string): void;

  write(message: OutboundMessage): void {
    if (!this.open) return;
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
    if (this.open) this.writeNow(pending);
  }

  /** Bytes not yet handed to the kernel: the socket's buffers plus the frame parked for this turn. */
  get bufferedBytes(): number {
    const pending = this.pending;
    return pending === undefined ? this.socketBufferedBytes : this.socketBufferedBytes + pending.wireBytes;
  }
}
