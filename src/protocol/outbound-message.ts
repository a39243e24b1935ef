// Server-to-client WebSocket text frames built once and shared: a publication fanned out to 10,000
// sockets is serialised and framed one time, and the same Buffer is written to every socket.
//
// Coalescing (docs/performance.md): when several messages are queued for one socket within one
// event-loop turn, the transport sends them as ONE text frame whose payload is the messages joined
// with "\n" (Centrifuge protocol v2 allows several JSON objects per WebSocket message; the client
// splits on newlines). The cost of a delivery is one system call per socket per write, not the bytes,
// so N messages in one write cost about what one did. Joined frames are shared too: appending a
// message to a queue remembers the result (`OutboundBatch` cache below), so 10,000 sockets that all
// queued the same messages in the same order share one batch object and one joined frame — no
// per-subscriber allocation or copy.

/** Payloads at least this large are never joined further (the batch is written at once instead). */
export const MAX_BATCH_PAYLOAD = 64 * 1024;

function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

function writeHeader(frame: Buffer, payloadLength: number, header: number): void {
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) {
    frame[1] = payloadLength;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(payloadLength / 0x100000000), 2);
    frame.writeUInt32BE(payloadLength >>> 0, 6);
  }
}

/** A complete unmasked, final text frame (header + UTF-8 payload) in one Buffer. */
export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const header = headerLength(length);
  const frame = Buffer.allocUnsafe(header + length);
  writeHeader(frame, length, header);
  frame.write(payload, header, 'utf8');
  return frame;
}

/** Something the transport can write as one frame: a single message or a batch of them. */
export interface OutboundFrame {
  readonly text: string;
  readonly frame: Buffer;
  /** `[frame]`, built once: the list ws's `sendFrame` takes, shared by every socket it goes to. */
  readonly frameList: Buffer[];
  /** Size of the frame on the wire (header + payload), without building a batch's frame. */
  readonly wireBytes: number;
  readonly payloadBytes: number;
  /** This frame followed by `next` (one message per line); cached, so equal sequences share it. */
  append(next: OutboundMessage): OutboundBatch;
}

/**
 * One-entry memo of the last `append` on a frame. Sockets of one channel receive the same messages
 * in the same order, so the entry almost always hits; a miss only costs a new batch.
 */
abstract class Appendable {
  private nextMessage: OutboundMessage | undefined;
  private nextBatch: OutboundBatch | undefined;
  private list: Buffer[] | undefined;

  /** A new batch: this frame's messages followed by `next`. */
  protected abstract extend(next: OutboundMessage): OutboundBatch;
  abstract readonly payloadBytes: number;
  abstract readonly frame: Buffer;

  get frameList(): Buffer[] {
    // Not an array per socket per write: idle keepalive pings would allocate one for every socket.
    this.list ??= [this.frame];
    return this.list;
  }

  append(next: OutboundMessage): OutboundBatch {
    if (this.nextMessage === next) return this.nextBatch!;
    const batch = this.extend(next);
    this.nextMessage = next;
    this.nextBatch = batch;
    return batch;
  }
}

/** A message ready to go out: its text and, built lazily once, its frame. */
export class OutboundMessage extends Appendable implements OutboundFrame {
  private frameBytes: Buffer | undefined;
  private payloadLength = -1;

  constructor(readonly text: string) {
    super();
  }

  get frame(): Buffer {
    if (this.frameBytes === undefined) this.frameBytes = textFrame(this.text);
    return this.frameBytes;
  }

  get payloadBytes(): number {
    if (this.payloadLength < 0) this.payloadLength = Buffer.byteLength(this.text);
    return this.payloadLength;
  }

  get wireBytes(): number {
    return headerLength(this.payloadBytes) + this.payloadBytes;
  }

  get byteLength(): number {
    return this.frame.length;
  }

  protected extend(next: OutboundMessage): OutboundBatch {
    return new OutboundBatch([this, next], 2, this.payloadBytes + 1 + next.payloadBytes);
  }
}

/**
 * Several messages written as one frame, payloads joined with "\n"; the frame is built once. A batch
 * is the first `count` messages of an array it may share with longer batches: appending to the
 * longest batch of an array pushes onto it (amortised O(1), like a Go slice), so a socket that
 * queues k messages in one turn costs O(k), not O(k²) copies. A batch extended before (another
 * socket's sequence went another way) copies its messages once.
 */
export class OutboundBatch extends Appendable implements OutboundFrame {
  private frameBytes: Buffer | undefined;

  constructor(
    private readonly shared: OutboundMessage[],
    readonly count: number,
    readonly payloadBytes: number,
  ) {
    super();
  }

  /** The messages of this batch, in order. */
  get messages(): readonly OutboundMessage[] {
    return this.shared.length === this.count ? this.shared : this.shared.slice(0, this.count);
  }

  get text(): string {
    return this.messages.map((m) => m.text).join('\n');
  }

  get wireBytes(): number {
    return headerLength(this.payloadBytes) + this.payloadBytes;
  }

  get frame(): Buffer {
    if (this.frameBytes !== undefined) return this.frameBytes;
    const header = headerLength(this.payloadBytes);
    const frame = Buffer.allocUnsafe(header + this.payloadBytes);
    writeHeader(frame, this.payloadBytes, header);
    let offset = header;
    for (let i = 0; i < this.count; i++) {
      if (i > 0) frame[offset++] = 0x0a;
      const message = this.shared[i]!;
      const part = message.frame;
      offset += part.copy(frame, offset, part.length - message.payloadBytes);
    }
    this.frameBytes = frame;
    return frame;
  }

  protected extend(next: OutboundMessage): OutboundBatch {
    const bytes = this.payloadBytes + 1 + next.payloadBytes;
    if (this.shared.length === this.count) {
      this.shared.push(next);
      return new OutboundBatch(this.shared, this.count + 1, bytes);
    }
    const copy = this.shared.slice(0, this.count);
    copy.push(next);
    return new OutboundBatch(copy, this.count + 1, bytes);
  }
}
