// livehub's protobuf codec as the load generator speaks it: commands are varint-length-delimited
// Command messages in one binary frame, server frames are length-delimited Replies, decoded with the
// server's generated code as a real client would decode them.

import { pb, pbReader } from '../../../src/protocol/protobuf/messages.js';

/** WebSocket opcode of a binary frame. */
export const BINARY = 2;
/** The answer to a ping: an empty Command, its length prefix alone. */
export const PROTOBUF_PONG = Buffer.from([0]);

type CommandProps = NonNullable<Parameters<typeof pb.Command.encode>[0]>;

/** One frame carrying `commands` in order. */
export function protobufCommands(commands: readonly CommandProps[]): Buffer {
  const writer = pb.Command.encodeDelimited(commands[0]!);
  for (const command of commands.slice(1)) pb.Command.encodeDelimited(command, writer);
  return Buffer.from(writer.finish());
}

/** What a subscriber does with each Reply of a frame. */
export interface ProtobufReplyHandler {
  /** A publication push; `data` is its payload bytes. */
  publication(data: Buffer): void;
  /** A ping (an empty Reply). */
  ping(): void;
  /** A reply to command `id`; `error` is set when it failed. */
  reply(id: number, error: unknown): void;
}

export function readProtobufFrame(bytes: Buffer, handler: ProtobufReplyHandler): void {
  const reader = pbReader(bytes);
  while (reader.pos < reader.len) {
    const reply = pb.Reply.decodeDelimited(reader);
    const pub = reply.push?.pub;
    if (pub !== undefined && pub !== null) {
      const data = pub.data;
      handler.publication(data === null || data === undefined ? Buffer.alloc(0) : Buffer.from(data.buffer, data.byteOffset, data.length));
      continue;
    }
    const id = reply.id ?? 0;
    if (id === 0) {
      if (reply.push === null || reply.push === undefined) handler.ping();
      continue;
    }
    handler.reply(id, reply.error ?? undefined);
  }
}
