// Server-to-client messages built once and shared: a publication fanned out to 10,000 sockets is
// serialised and framed one time per codec, and the same Buffer is written to every socket.
//
// A message is JSON text (one line) or protobuf bytes (one varint-length-delimited Reply); on a
// WebSocket it goes out as a text or a binary frame. Coalescing (docs/performance.md): when several
// messages are queued for one socket within one event-loop turn, the transport sends them as ONE
// frame: JSON lines joined with "\n", protobuf replies simply concatenated (each carries its length)
// — Centrifuge protocol v2 allows several replies per WebSocket message / stream chunk. The cost of
// a delivery is one system call per socket per write, not the bytes, so N messages in one write
// cost about what one did. Joined frames are shared too: appending a message to a queue remembers
// the result (`OutboundBatch` cache below), so 10,000 sockets that all queued the same messages in
// the same order share one batch object and one joined frame — no per-subscriber allocation or copy.
//
// HTTP-streaming and SSE sessions write the same payloads in their own framing (`Framing`: a line,
// an SSE event); each framing of a message is built once too (`framed`).

/** Payloads at least this large are never joined further (the batch is written at once instead). */
export const MAX_BATCH_PAYLOAD = 64 * 1024;

const TEXT_OPCODE = 0x81; // FIN + opcode 1
const BINARY_OPCODE = 0x82; // FIN + opcode 2

function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

function writeHeader(frame: Buffer, payloadLength: number, header: number, opcode: number): void {
  frame[0] = opcode;
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
  writeHeader(frame, length, header, TEXT_OPCODE);
  frame.write(payload, header, 'utf8');
  return frame;
}

/** A complete unmasked, final binary frame (header + payload) in one Buffer. */
export function binaryFrame(payload: Uint8Array): Buffer {
  const header = headerLength(payload.length);
  const frame = Buffer.allocUnsafe(header + payload.length);
  writeHeader(frame, payload.length, header, BINARY_OPCODE);
  frame.set(payload, header);
  return frame;
}

/**
 * How a stream transport wraps a payload (HTTP-streaming: a line; SSE: an event). `id` is a small
 * distinct integer: the slot of this framing in each message's cache.
 */
export interface Framing {
  readonly id: number;
  frame(payload: Buffer, binary: boolean): Buffer;
}

/** Something the transport can write as one frame: a single message or a batch of them. */
export interface OutboundFrame {
  /** Protobuf bytes (binary frame) rather than JSON text. */
  readonly binary: boolean;
  /** The JSON text (for a binary message: its payload read as latin1, for tests and logs only). */
  readonly text: string;
  /** The WebSocket frame: header + payload. */
  readonly frame: Buffer;
  /** The payload without the WebSocket header (a view of `frame`, no copy). */
  readonly payload: Buffer;
  /** `[frame]`, built once: the list ws's `sendFrame` takes, shared by every socket it goes to. */
  readonly frameList: Buffer[];
  /** Size of the frame on the wire (header + payload), without building a batch's frame. */
  readonly wireBytes: number;
  readonly payloadBytes: number;
  /** This frame followed by `next`; cached, so equal sequences share it. */
  append(next: OutboundMessage): OutboundBatch;
  /** The payload in a stream transport's framing, built once per framing. */
  framed(framing: Framing): Buffer;
}

/**
 * One-entry memo of the last `append` on a frame. Sockets of one channel receive the same messages
 * in the same order, so the entry almost always hits; a miss only costs a new batch.
 */
abstract class Appendable {
  private nextMessage: OutboundMessage | undefined;
  private nextBatch: OutboundBatch | undefined;
  private list: Buffer[] | undefined;
  /** Stream framings of this payload, by Framing.id (only stream sessions create it). */
  private framings: Buffer[] | undefined;

  /** A new batch: this frame's messages followed by `next`. */
  protected abstract extend(next: OutboundMessage): OutboundBatch;
  abstract readonly payloadBytes: number;
  abstract readonly frame: Buffer;
  abstract readonly binary: boolean;

  get frameList(): Buffer[] {
    // Not an array per socket per write: idle keepalive pings would allocate one for every socket.
    this.list ??= [this.frame];
    return this.list;
  }

  get wireBytes(): number {
    return headerLength(this.payloadBytes) + this.payloadBytes;
  }

  get payload(): Buffer {
    const frame = this.frame;
    return frame.subarray(frame.length - this.payloadBytes);
  }

  append(next: OutboundMessage): OutboundBatch {
    if (this.nextMessage === next) return this.nextBatch!;
    const batch = this.extend(next);
    this.nextMessage = next;
    this.nextBatch = batch;
    return batch;
  }

  framed(framing: Framing): Buffer {
    this.framings ??= [];
    let framed = this.framings[framing.id];
    if (framed === undefined) {
      framed = framing.frame(this.payload, this.binary);
      this.framings[framing.id] = framed;
    }
    return framed;
  }
}

/** A message ready to go out: JSON text or protobuf bytes and, built lazily once, its frame. */
export class OutboundMessage extends Appendable implements OutboundFrame {
  private frameBytes: Buffer | undefined;
  private payloadLength = -1;

  /** A JSON message (`bytes` is for `OutboundMessage.binary`). */
  constructor(
    private readonly json: string,
    private readonly bytes?: Buffer,
  ) {
    super();
  }

  /** A protobuf message: the varint-length-delimited bytes of one Reply. */
  static binary(bytes: Buffer): OutboundMessage {
    return new OutboundMessage('', bytes);
  }

  get binary(): boolean {
    return this.bytes !== undefined;
  }

  get text(): string {
    return this.bytes === undefined ? this.json : this.bytes.toString('latin1');
  }

  get frame(): Buffer {
    if (this.frameBytes === undefined) this.frameBytes = this.bytes === undefined ? textFrame(this.json) : binaryFrame(this.bytes);
    return this.frameBytes;
  }

  get payloadBytes(): number {
    if (this.payloadLength < 0) this.payloadLength = this.bytes === undefined ? Buffer.byteLength(this.json) : this.bytes.length;
    return this.payloadLength;
  }

  get byteLength(): number {
    return this.frame.length;
  }

  protected extend(next: OutboundMessage): OutboundBatch {
    return new OutboundBatch([this, next], 2, this.payloadBytes + separatorBytes(this.binary) + next.payloadBytes, this.binary);
  }
}

/** JSON lines are joined with "\n"; protobuf replies carry their own length. */
function separatorBytes(binary: boolean): number {
  return binary ? 0 : 1;
}

/**
 * Several messages written as one frame, payloads joined; the frame is built once. A batch is the
 * first `count` messages of an array it may share with longer batches: appending to the longest
 * batch of an array pushes onto it (amortised O(1), like a Go slice), so a socket that queues k
 * messages in one turn costs O(k), not O(k²) copies. A batch extended before (another socket's
 * sequence went another way) copies its messages once. All messages of a batch have one codec (a
 * session speaks one).
 */
export class OutboundBatch extends Appendable implements OutboundFrame {
  private frameBytes: Buffer | undefined;

  constructor(
    private readonly shared: OutboundMessage[],
    readonly count: number,
    readonly payloadBytes: number,
    readonly binary: boolean,
  ) {
    super();
  }

  /** The messages of this batch, in order. */
  get messages(): readonly OutboundMessage[] {
    return this.shared.length === this.count ? this.shared : this.shared.slice(0, this.count);
  }

  get text(): string {
    return this.messages.map((m) => m.text).join(this.binary ? '' : '\n');
  }

  get frame(): Buffer {
    if (this.frameBytes !== undefined) return this.frameBytes;
    const header = headerLength(this.payloadBytes);
    const frame = Buffer.allocUnsafe(header + this.payloadBytes);
    writeHeader(frame, this.payloadBytes, header, this.binary ? BINARY_OPCODE : TEXT_OPCODE);
    let offset = header;
    for (let i = 0; i < this.count; i++) {
      if (i > 0 && !this.binary) frame[offset++] = 0x0a;
      const message = this.shared[i]!;
      const part = message.frame;
      offset += part.copy(frame, offset, part.length - message.payloadBytes);
    }
    this.frameBytes = frame;
    return frame;
  }

  protected extend(next: OutboundMessage): OutboundBatch {
    const bytes = this.payloadBytes + separatorBytes(this.binary) + next.payloadBytes;
    if (this.shared.length === this.count) {
      this.shared.push(next);
      return new OutboundBatch(this.shared, this.count + 1, bytes, this.binary);
    }
    const copy = this.shared.slice(0, this.count);
    copy.push(next);
    return new OutboundBatch(copy, this.count + 1, bytes, this.binary);
  }
}
