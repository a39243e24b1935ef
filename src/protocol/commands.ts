// Decodes one inbound WebSocket text message into Centrifuge protocol v2 commands: JSON objects
// separated by "\n", each `{"id":n,"<method>":{...}}`. Everything is validated here so the session
// never sees `unknown`; anything malformed makes the whole message a bad request (close 3501).
// A publish also carries the exact source text of its `data` (json-text.ts), found only for publish
// commands so every other command decodes as before.

import { memberSpan } from './json-text.js';

export interface ConnectRequest {
  readonly token?: string;
  readonly data?: unknown;
  readonly name?: string;
  readonly version?: string;
}

export interface SubscribeRequest {
  readonly channel: string;
  readonly token?: string;
  readonly data?: unknown;
  readonly recover?: boolean;
  readonly recoverable?: boolean;
  readonly positioned?: boolean;
  readonly joinLeave?: boolean;
  readonly offset?: number;
  readonly epoch?: string;
  /** `flag & 2`: a failed recovery is answered with error 112 instead of `recovered: false`. */
  readonly rejectUnrecovered?: boolean;
  /** Subscription type: 0 (absent) a stream; 1–3 map subscriptions and 4 shared poll, which livehub does not offer. */
  readonly type?: number;
}

/** SubscribeRequest.flag bits (centrifuge-protocol.md, subscribe): 2 = reject unrecovered. */
const FLAG_REJECT_UNRECOVERED = 2;

export interface HistoryRequest {
  readonly channel: string;
  readonly limit: number;
  readonly since?: { readonly offset: number; readonly epoch: string };
  readonly reverse: boolean;
}

export interface PublishRequest {
  readonly channel: string;
  /** The parsed payload, for handlers' checks. */
  readonly data: unknown;
  /** The payload exactly as the client wrote it ("null" when absent): what gets published. */
  readonly rawData: string;
  /** Nesting depth of the payload (json-text.ts), checked against the session's limit. */
  readonly depth: number;
}

export type Command =
  | { readonly id: number; readonly method: 'connect'; readonly params: ConnectRequest }
  | { readonly id: number; readonly method: 'subscribe'; readonly params: SubscribeRequest }
  | { readonly id: number; readonly method: 'unsubscribe'; readonly params: { readonly channel: string } }
  | { readonly id: number; readonly method: 'publish'; readonly params: PublishRequest }
  | { readonly id: number; readonly method: 'presence'; readonly params: { readonly channel: string } }
  | { readonly id: number; readonly method: 'presence_stats'; readonly params: { readonly channel: string } }
  | { readonly id: number; readonly method: 'history'; readonly params: HistoryRequest }
  | { readonly id: number; readonly method: 'rpc'; readonly params: { readonly method: string; readonly data: unknown } }
  | { readonly id: number; readonly method: 'refresh'; readonly params: { readonly token: string } }
  | { readonly id: number; readonly method: 'sub_refresh'; readonly params: { readonly channel: string; readonly token: string } }
  | { readonly id: number; readonly method: 'ping' }
  | { readonly id: 0; readonly method: 'send'; readonly params: { readonly data: unknown } }
  | { readonly id: 0; readonly method: 'pong' };

export type DecodeResult = { readonly ok: true; readonly commands: Command[] } | { readonly ok: false; readonly error: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class BadCommand extends Error {}

function optString(obj: Json, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadCommand(`${key} must be a string`);
  return v;
}

function reqString(obj: Json, key: string): string {
  const v = optString(obj, key);
  return v ?? '';
}

function optBool(obj: Json, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadCommand(`${key} must be a boolean`);
  return v;
}

function optUint(obj: Json, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BadCommand(`${key} must be a non-negative integer`);
  return v;
}

function optInt(obj: Json, key: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new BadCommand(`${key} must be an integer`);
  return v;
}

function body(raw: Json, key: string): Json {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new BadCommand(`${key} must be an object`);
  return v;
}

function channelOnly(b: Json): { channel: string } {
  return { channel: reqString(b, 'channel') };
}

function decodeSubscribe(b: Json): SubscribeRequest {
  const request: { -readonly [K in keyof SubscribeRequest]: SubscribeRequest[K] } = { channel: reqString(b, 'channel') };
  const token = optString(b, 'token');
  if (token !== undefined) request.token = token;
  if (b['data'] !== undefined) request.data = b['data'];
  const recover = optBool(b, 'recover');
  if (recover !== undefined) request.recover = recover;
  const recoverable = optBool(b, 'recoverable');
  if (recoverable !== undefined) request.recoverable = recoverable;
  const positioned = optBool(b, 'positioned');
  if (positioned !== undefined) request.positioned = positioned;
  const joinLeave = optBool(b, 'join_leave');
  if (joinLeave !== undefined) request.joinLeave = joinLeave;
  const offset = optUint(b, 'offset');
  if (offset !== undefined) request.offset = offset;
  const epoch = optString(b, 'epoch');
  if (epoch !== undefined) request.epoch = epoch;
  // Other flag bits (1: channel compaction) change nothing here.
  const flag = optUint(b, 'flag');
  if (flag !== undefined && (flag & FLAG_REJECT_UNRECOVERED) !== 0) request.rejectUnrecovered = true;
  const type = optUint(b, 'type');
  if (type !== undefined && type !== 0) request.type = type;
  return request;
}

function decodeHistory(b: Json): HistoryRequest {
  const channel = reqString(b, 'channel');
  const limit = optInt(b, 'limit') ?? 0;
  const reverse = optBool(b, 'reverse') ?? false;
  const sinceRaw = b['since'];
  if (sinceRaw === undefined || sinceRaw === null) return { channel, limit, reverse };
  if (!isObject(sinceRaw)) throw new BadCommand('since must be an object');
  return { channel, limit, reverse, since: { offset: optUint(sinceRaw, 'offset') ?? 0, epoch: optString(sinceRaw, 'epoch') ?? '' } };
}

function decodePublish(b: Json, line: string): PublishRequest {
  const channel = reqString(b, 'channel');
  const data = b['data'];
  if (data === undefined) return { channel, data, rawData: 'null', depth: 0 };
  // JSON.parse accepted the line and `data` is defined, so the span exists.
  const span = memberSpan(line, ['publish', 'data'])!;
  return { channel, data, rawData: line.slice(span.start, span.end), depth: span.depth };
}

function decodeOne(raw: unknown, line: string): Command {
  if (!isObject(raw)) throw new BadCommand('command must be an object');
  const idRaw = raw['id'];
  let id = 0;
  if (idRaw !== undefined && idRaw !== null) {
    if (typeof idRaw !== 'number' || !Number.isInteger(idRaw) || idRaw < 0 || idRaw > 0xffffffff) {
      throw new BadCommand('id must be a uint32');
    }
    id = idRaw;
  }
  if (id === 0) {
    // Without an id only "send" is a command; anything else is the client's pong.
    if (raw['send'] !== undefined) return { id: 0, method: 'send', params: { data: body(raw, 'send')['data'] } };
    return { id: 0, method: 'pong' };
  }
  if (raw['connect'] !== undefined) {
    const b = body(raw, 'connect');
    const params: { -readonly [K in keyof ConnectRequest]: ConnectRequest[K] } = {};
    const token = optString(b, 'token');
    if (token !== undefined && token !== '') params.token = token;
    if (b['data'] !== undefined) params.data = b['data'];
    const name = optString(b, 'name');
    if (name !== undefined) params.name = name;
    const version = optString(b, 'version');
    if (version !== undefined) params.version = version;
    return { id, method: 'connect', params };
  }
  if (raw['subscribe'] !== undefined) return { id, method: 'subscribe', params: decodeSubscribe(body(raw, 'subscribe')) };
  if (raw['unsubscribe'] !== undefined) return { id, method: 'unsubscribe', params: channelOnly(body(raw, 'unsubscribe')) };
  if (raw['publish'] !== undefined) {
    return { id, method: 'publish', params: decodePublish(body(raw, 'publish'), line) };
  }
  if (raw['presence'] !== undefined) return { id, method: 'presence', params: channelOnly(body(raw, 'presence')) };
  if (raw['presence_stats'] !== undefined) return { id, method: 'presence_stats', params: channelOnly(body(raw, 'presence_stats')) };
  if (raw['history'] !== undefined) return { id, method: 'history', params: decodeHistory(body(raw, 'history')) };
  if (raw['rpc'] !== undefined) {
    const b = body(raw, 'rpc');
    return { id, method: 'rpc', params: { method: optString(b, 'method') ?? '', data: b['data'] } };
  }
  if (raw['refresh'] !== undefined) return { id, method: 'refresh', params: { token: reqString(body(raw, 'refresh'), 'token') } };
  if (raw['sub_refresh'] !== undefined) {
    const b = body(raw, 'sub_refresh');
    return { id, method: 'sub_refresh', params: { channel: reqString(b, 'channel'), token: reqString(b, 'token') } };
  }
  if (raw['ping'] !== undefined) return { id, method: 'ping' };
  throw new BadCommand('unknown command');
}

/** Splits a text message on "\n" (one trailing newline allowed) and decodes every command. */
export function decodeCommands(text: string): DecodeResult {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (trimmed.trim().length === 0) return { ok: false, error: 'empty message' };
  const commands: Command[] = [];
  try {
    for (const line of trimmed.split('\n')) {
      if (line.trim().length === 0) throw new BadCommand('empty command');
      commands.push(decodeOne(JSON.parse(line), line));
    }
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, commands };
}
