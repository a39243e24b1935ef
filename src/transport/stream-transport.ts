// The ClientTransport of the emulation transports: one long HTTP response per session, written in
// the framing centrifuge-js reads — HTTP-streaming (`http_stream`): JSON replies one per line, or
// protobuf replies back to back (each carries its length); SSE (`sse`): one `data:` event per write,
// JSON only. Writes are coalesced per event-loop turn like the WebSocket's (coalescing-transport.ts),
// and each framing of a shared message is built once (OutboundMessage.framed).
//
// There is no close frame: closing writes a disconnect push (code, reason) and ends the response;
// centrifuge-js acts on the push as on a WebSocket close code. A reader that stops reading fills the
// response's buffers; `bufferedBytes` counts them, so such a session hits client_queue_max_size
// (3008) like a stalled WebSocket.

import type { ServerResponse } from 'node:http';
import type { TransportName } from '../live/client.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import { reconnects } from '../protocol/codes.js';
import type { Framing, OutboundFrame } from '../protocol/outbound-message.js';
import { CoalescingTransport } from './coalescing-transport.js';

const NEWLINE = Buffer.from('\n');

/** HTTP-streaming: JSON replies end with a newline; protobuf replies are their own framing. */
export const LINE_FRAMING: Framing = {
  id: 0,
  frame: (payload, binary) => (binary ? payload : Buffer.concat([payload, NEWLINE])),
};

/** SSE: one event; the replies of a batch are its data lines (the client splits them on newlines). */
export const SSE_FRAMING: Framing = {
  id: 1,
  frame: (payload) => Buffer.from(`data: ${payload.toString('utf8').replaceAll('\n', '\ndata: ')}\n\n`, 'utf8'),
};

/** After a server close, how long the peer gets to read the disconnect push before the socket is cut. */
const CLOSE_GRACE_MS = 5_000;

export class StreamClientTransport extends CoalescingTransport {
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    readonly name: TransportName,
    readonly codec: ProtocolCodec,
    private readonly framing: Framing,
    readonly emulationSession: string,
  ) {
    super();
  }

  /** The response was ended by this side (not by the client going away). */
  get endedByServer(): boolean {
    return this.ended;
  }

  protected get open(): boolean {
    return !this.ended && !this.res.destroyed && !this.res.writableEnded;
  }

  protected get socketBufferedBytes(): number {
    // The response's own buffer plus its socket's (Node counts both in writableLength).
    return this.res.writableLength;
  }

  protected writeNow(frame: OutboundFrame): void {
    this.res.write(frame.framed(this.framing));
  }

  close(code: number, reason: string): void {
    this.flush();
    if (!this.open) return;
    this.res.write(this.codec.disconnectPush(code, reason, reconnects(code)).framed(this.framing));
    this.ended = true;
    this.res.end();
    const res = this.res;
    setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
  }
}
