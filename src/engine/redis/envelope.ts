// Wire encoding of everything livehub nodes send each other over Redis PUB/SUB: a JSON envelope
// with a version marker (`"v":1`). Publication data is raw JSON placed last (`"d":<data>}`), so a
// node decodes the small header only and hands the data bytes on untouched (never re-serialised).

import type { ClientInfo, NodeStats, Publication } from '../engine.js';

export const ENVELOPE_VERSION = 1;
const MARK = `{"v":${ENVELOPE_VERSION},"t":"`;
const DATA_FIELD = ',"d":';

// ---- data channels (P.client.<channel>) --------------------------------------------------------

/** `{"v":1,"t":"p"[,"i":{…}]` — the start of a publication; Lua may append `,"o":N,"e":"E"`. */
const ANONYMOUS_HEAD = `${MARK}p"`;

export function publicationHead(info: ClientInfo | undefined): string {
  return info === undefined ? ANONYMOUS_HEAD : `${MARK}p","i":${encodeInfo(info)}`;
}

/** `,"d":<data>}` — the end of a publication. */
export function publicationTail(data: string): string {
  return `${DATA_FIELD}${data}}`;
}

export function encodePublication(data: string, info: ClientInfo | undefined): string {
  return publicationHead(info) + publicationTail(data);
}

export function encodeJoin(info: ClientInfo): string {
  return `${MARK}j","i":${encodeInfo(info)}}`;
}

export function encodeLeave(info: ClientInfo): string {
  return `${MARK}l","i":${encodeInfo(info)}}`;
}

export function encodeInfo(info: ClientInfo): string {
  return JSON.stringify({ user: info.user, client: info.client });
}

export type DataMessage =
  | { readonly type: 'publication'; readonly publication: Publication }
  | { readonly type: 'join' | 'leave'; readonly info: ClientInfo };

/** Decodes a data-channel message; undefined when it is not a livehub v1 envelope. */
export function decodeDataMessage(payload: string): DataMessage | undefined {
  if (!payload.startsWith(MARK)) return undefined;
  const type = payload.charAt(MARK.length);
  if (type === 'p') {
    const publication = decodePublication(payload);
    return publication === undefined ? undefined : { type: 'publication', publication };
  }
  if (type !== 'j' && type !== 'l') return undefined;
  const parsed = parseObject(payload);
  const info = parsed === undefined ? undefined : decodeInfo(parsed.i);
  if (info === undefined) return undefined;
  return { type: type === 'j' ? 'join' : 'leave', info };
}

/**
 * Decodes a publication envelope (also the stored form of a history entry, which has no `o`/`e`).
 * The header cannot contain `,"d":` itself: inside JSON strings every `"` is escaped.
 */
export function decodePublication(payload: string, offset?: number): Publication | undefined {
  const at = payload.indexOf(DATA_FIELD);
  if (at < 0 || !payload.endsWith('}')) return undefined;
  const header = parseObject(`${payload.slice(0, at)}}`);
  if (header === undefined || header.v !== ENVELOPE_VERSION || header.t !== 'p') return undefined;
  const data = payload.slice(at + DATA_FIELD.length, -1);
  let info: ClientInfo | undefined;
  if (header.i !== undefined) {
    info = decodeInfo(header.i);
    if (info === undefined) return undefined;
  }
  const o = offset ?? header.o;
  const e = header.e;
  if (o !== undefined && !(typeof o === 'number' && Number.isSafeInteger(o) && o > 0)) return undefined;
  if (e !== undefined && typeof e !== 'string') return undefined;
  return {
    data,
    ...(info === undefined ? {} : { info }),
    ...(o === undefined ? {} : { offset: o }),
    ...(e === undefined ? {} : { epoch: e }),
  };
}

export function decodeInfo(value: unknown): ClientInfo | undefined {
  if (!isRecord(value)) return undefined;
  const { user, client } = value;
  return typeof user === 'string' && typeof client === 'string' ? { user, client } : undefined;
}

// ---- batches (several data messages of one channel in one Redis message) ------------------------

const BATCH_MARK = `${MARK}b","n":[`;

/**
 * A data message in two parts, `head` and `body`, meaning head + `,"d":` + body + `}` (a publication:
 * publicationHead and the raw data) or, with body undefined, just head (a join or leave). The
 * batcher writes the parts straight into its Buffer: concatenating them first would allocate, and
 * flatten, one more copy of every publication.
 */
export interface EnvelopeParts {
  readonly head: string;
  readonly body: string | undefined;
}

export function partsLength(m: EnvelopeParts): number {
  return m.body === undefined ? m.head.length : m.head.length + DATA_FIELD.length + m.body.length + 1;
}

export function joinParts(m: EnvelopeParts): string {
  return m.body === undefined ? m.head : m.head + DATA_FIELD + m.body + '}';
}

/**
 * `{"v":1,"t":"b","n":[len,…]}` followed by the messages themselves: the publisher packs what one
 * loop turn published to a channel into one PUBLISH, so Redis parses, matches and writes once per
 * turn instead of once per message. Lengths are UTF-16 code units (both ends are JavaScript).
 */
export function encodeBatch(messages: readonly string[]): string {
  return `${batchHeader(messages.map((m) => m.length))}${messages.join('')}`;
}

/**
 * encodeBatch of message parts, as UTF-8 bytes: ioredis writes a Buffer as it is, while a string
 * argument is concatenated into the command string and encoded again (copies and GC dominated the
 * publish profile). The parts are joined once, without building each message string first.
 */
export function encodeBatchBuffer(messages: readonly EnvelopeParts[]): Buffer {
  const lengths: number[] = [];
  const pieces: string[] = [];
  for (const m of messages) {
    lengths.push(partsLength(m));
    pieces.push(m.head);
    if (m.body !== undefined) pieces.push(DATA_FIELD, m.body, '}');
  }
  // One join and one native UTF-8 encode per batch (a segment is tens of KB, never a huge string).
  return Buffer.from(batchHeader(lengths) + pieces.join(''), 'utf8');
}

function batchHeader(lengths: readonly number[]): string {
  return `${BATCH_MARK}${lengths.join(',')}]}`;
}

export function isBatch(payload: string): boolean {
  return payload.startsWith(BATCH_MARK);
}

/** The messages of a batch in order; undefined when the header or the lengths do not add up. */
export function decodeBatch(payload: string): string[] | undefined {
  const end = payload.indexOf(']}', BATCH_MARK.length);
  if (!payload.startsWith(BATCH_MARK) || end < 0) return undefined;
  const lengths = payload.slice(BATCH_MARK.length, end).split(',');
  const messages: string[] = [];
  let at = end + 2;
  for (const text of lengths) {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n <= 0 || at + n > payload.length) return undefined;
    messages.push(payload.slice(at, at + n));
    at += n;
  }
  return at === payload.length ? messages : undefined;
}

// ---- control channels (P.control, P.node.<id>) ----------------------------------------------------

export interface Heartbeat extends NodeStats {
  readonly type: 'heartbeat';
  readonly nodeId: string;
  readonly name: string;
  readonly version: string;
  readonly uptimeSeconds: number;
}

export interface SurveyRequest {
  readonly type: 'survey_request';
  readonly nodeId: string;
  readonly requestId: string;
  readonly op: string;
  readonly payload: string;
}

export interface SurveyResponse {
  readonly type: 'survey_reply';
  readonly nodeId: string;
  readonly requestId: string;
  /** false: the node has no handler for the op or its handler failed (Grafana's code 1). */
  readonly ok: boolean;
  readonly payload: string;
}

/** A one-way message to every other node (e.g. revoked credentials). */
export interface Notification {
  readonly type: 'notify';
  readonly nodeId: string;
  readonly op: string;
  readonly payload: string;
}

export type ControlMessage = Heartbeat | SurveyRequest | SurveyResponse | Notification;

export function encodeControl(message: ControlMessage): string {
  switch (message.type) {
    case 'heartbeat':
      return JSON.stringify({
        v: ENVELOPE_VERSION, t: 'hb', n: message.nodeId, name: message.name, ver: message.version,
        c: message.numClients, u: message.numUsers, s: message.numSubscriptions, ch: message.numChannels,
        up: message.uptimeSeconds,
      });
    case 'survey_request':
      return JSON.stringify({ v: ENVELOPE_VERSION, t: 'sq', n: message.nodeId, id: message.requestId, op: message.op, p: message.payload });
    case 'survey_reply':
      return JSON.stringify({ v: ENVELOPE_VERSION, t: 'sr', n: message.nodeId, id: message.requestId, ok: message.ok, p: message.payload });
    case 'notify':
      return JSON.stringify({ v: ENVELOPE_VERSION, t: 'nt', n: message.nodeId, op: message.op, p: message.payload });
  }
}

export function decodeControl(payload: string): ControlMessage | undefined {
  if (!payload.startsWith(MARK)) return undefined;
  const m = parseObject(payload);
  if (m === undefined || typeof m.n !== 'string' || m.n === '') return undefined;
  const nodeId = m.n;
  if (m.t === 'hb') {
    const counts = [m.c, m.u, m.s, m.ch, m.up];
    if (typeof m.name !== 'string' || typeof m.ver !== 'string' || !counts.every(isCount)) return undefined;
    return {
      type: 'heartbeat', nodeId, name: m.name, version: m.ver,
      numClients: m.c as number, numUsers: m.u as number, numSubscriptions: m.s as number, numChannels: m.ch as number,
      uptimeSeconds: m.up as number,
    };
  }
  if (m.t === 'nt') return typeof m.op === 'string' && typeof m.p === 'string' ? { type: 'notify', nodeId, op: m.op, payload: m.p } : undefined;
  if (typeof m.id !== 'string' || typeof m.p !== 'string') return undefined;
  if (m.t === 'sq' && typeof m.op === 'string') return { type: 'survey_request', nodeId, requestId: m.id, op: m.op, payload: m.p };
  if (m.t === 'sr' && typeof m.ok === 'boolean') return { type: 'survey_reply', nodeId, requestId: m.id, ok: m.ok, payload: m.p };
  return undefined;
}

// ---- helpers ---------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
