// Server-to-client WebSocket text frames built once and shared: a publication fanned out to 10,000
// sockets is serialised and framed one time, and the same Buffer is written to every socket.

/** A complete unmasked, final text frame (header + UTF-8 payload) in one Buffer. */
export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(payload, header, 'utf8');
  return frame;
}

/** A message ready to go out: its text and, built lazily once, its frame. */
export class OutboundMessage {
  private frameBytes: Buffer | undefined;

  constructor(readonly text: string) {}

  get frame(): Buffer {
    if (this.frameBytes === undefined) this.frameBytes = textFrame(this.text);
    return this.frameBytes;
  }

  get byteLength(): number {
    return this.frame.length;
  }
}
