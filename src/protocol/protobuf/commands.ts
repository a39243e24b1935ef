// Decodes one inbound protobuf message (a WebSocket binary message, an HTTP-stream request body, an
// emulation request's data) into the same typed commands as the JSON decoder (protocol/commands.ts):
// varint-length-delimited `Command`s back to back, each taking its first request field set, as the
// JSON decoder takes the first member. `data` fields must be UTF-8 JSON — livehub carries JSON, and
// JSON clients share the channels — anything else makes the message a bad request (close 3501).

import type { Command, ConnectRequest, DecodeResult, HistoryRequest, PublishRequest, SubscribeRequest } from '../commands.js';
import { jsonDepth } from '../json-text.js';
import { pb, pbReader, type Pb } from './messages.js';

type DecodedCommand = ReturnType<Pb['Command']['decode']>;

class BadCommand extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A ping's answer is an empty Command: its length prefix alone. */
export function isProtobufPong(bytes: Uint8Array): boolean {
  return bytes.length === 1 && bytes[0] === 0;
}

function jsonText(bytes: Uint8Array | null | undefined, field: string): string | undefined {
  if (bytes === null || bytes === undefined || bytes.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadCommand(`${field} is not UTF-8`);
  }
  return text;
}

function jsonValue(bytes: Uint8Array | null | undefined, field: string): unknown {
  const text = jsonText(bytes, field);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadCommand(`${field} is not JSON`);
  }
}

function safeOffset(value: number | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined || value === 0) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new BadCommand(`${field} out of range`);
  return value;
}

function subscribe(r: NonNullable<DecodedCommand['subscribe']>): SubscribeRequest {
  const request: { -readonly [K in keyof SubscribeRequest]: SubscribeRequest[K] } = { channel: r.channel ?? '' };
  if (r.token) request.token = r.token;
  const data = jsonValue(r.data, 'subscribe data');
  if (data !== undefined) request.data = data;
  if (r.recover) request.recover = true;
  if (r.recoverable) request.recoverable = true;
  if (r.positioned) request.positioned = true;
  if (r.join_leave) request.joinLeave = true;
  const offset = safeOffset(r.offset, 'offset');
  if (offset !== undefined) request.offset = offset;
  if (r.epoch) request.epoch = r.epoch;
  return request;
}

function publish(r: NonNullable<DecodedCommand['publish']>): PublishRequest {
  const channel = r.channel ?? '';
  const text = jsonText(r.data, 'publish data');
  if (text === undefined) return { channel, data: undefined, rawData: 'null', depth: 0 };
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch {
    throw new BadCommand('publish data is not JSON');
  }
  return { channel, data, rawData: text, depth: jsonDepth(text) };
}

function history(r: NonNullable<DecodedCommand['history']>): HistoryRequest {
  const channel = r.channel ?? '';
  const limit = r.limit ?? 0;
  const reverse = r.reverse === true;
  if (r.since === null || r.since === undefined) return { channel, limit, reverse };
  return { channel, limit, reverse, since: { offset: safeOffset(r.since.offset, 'since offset') ?? 0, epoch: r.since.epoch ?? '' } };
}

function toCommand(c: DecodedCommand): Command {
  const id = c.id ?? 0;
  if (id === 0) {
    // As in JSON: without an id only "send" is a command; anything else is the client's pong.
    if (c.send) return { id: 0, method: 'send', params: { data: jsonValue(c.send.data, 'send data') } };
    return { id: 0, method: 'pong' };
  }
  if (c.connect) {
    const params: { -readonly [K in keyof ConnectRequest]: ConnectRequest[K] } = {};
    if (c.connect.token) params.token = c.connect.token;
    const data = jsonValue(c.connect.data, 'connect data');
    if (data !== undefined) params.data = data;
    if (c.connect.name) params.name = c.connect.name;
    if (c.connect.version) params.version = c.connect.version;
    return { id, method: 'connect', params };
  }
  if (c.subscribe) return { id, method: 'subscribe', params: subscribe(c.subscribe) };
  if (c.unsubscribe) return { id, method: 'unsubscribe', params: { channel: c.unsubscribe.channel ?? '' } };
  if (c.publish) return { id, method: 'publish', params: publish(c.publish) };
  if (c.presence) return { id, method: 'presence', params: { channel: c.presence.channel ?? '' } };
  if (c.presence_stats) return { id, method: 'presence_stats', params: { channel: c.presence_stats.channel ?? '' } };
  if (c.history) return { id, method: 'history', params: history(c.history) };
  if (c.ping) return { id, method: 'ping' };
  if (c.rpc) return { id, method: 'rpc', params: { method: c.rpc.method ?? '', data: jsonValue(c.rpc.data, 'rpc data') } };
  if (c.refresh) return { id, method: 'refresh', params: { token: c.refresh.token ?? '' } };
  if (c.sub_refresh) return { id, method: 'sub_refresh', params: { channel: c.sub_refresh.channel ?? '', token: c.sub_refresh.token ?? '' } };
  throw new BadCommand('unknown command');
}

/**
 * How many commands a message holds, read from the length prefixes alone (the command rate limit
 * counts before decoding, as for JSON); -1 when the prefixes do not add up to the message.
 */
export function countDelimited(bytes: Uint8Array): number {
  let pos = 0;
  let count = 0;
  while (pos < bytes.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= bytes.length || shift > 28) return -1;
      byte = bytes[pos++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    pos += length;
    count++;
  }
  return pos === bytes.length ? count : -1;
}

export function decodeProtobufCommands(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return { ok: false, error: 'empty message' };
  const commands: Command[] = [];
  try {
    const reader = pbReader(bytes);
    while (reader.pos < reader.len) commands.push(toCommand(pb.Command.decodeDelimited(reader)));
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, commands };
}
