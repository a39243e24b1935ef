// One node's share of a /api/live/list page: the org's channels after a cursor, sorted, at most
// `limit` of them and at most `maxBytes` of JSON, plus how many channels the org has on this node.
// Work is sliced: the selection yields to the event loop whenever a slice has run SLICE_MS and
// before the page is serialised, so a large registry never stalls other requests, and at most
// 2 × `limit` records are ever sorted at once.

import type { StreamRecordView } from './stream-registry.js';

/** What the requesting node asks every node (the survey payload). */
export interface ListPageRequest {
  readonly orgId: number;
  /** Only channels sorting after this one (exclusive); none = from the start. */
  readonly after?: string;
  readonly limit: number;
  readonly maxBytes: number;
}

/** One listed channel as nodes exchange it: the schema stays JSON text end to end. */
export interface ListPageEntry {
  readonly channel: string;
  readonly minute_rate: number;
  /** `{"schema":…}`, or null when it alone would pass the byte budget. */
  readonly schema: string | null;
}

/** A node's answer. `more`: channels after the last entry were left out (limit or byte budget). */
export interface ListPageAnswer {
  readonly total: number;
  readonly more: boolean;
  readonly channels: ListPageEntry[];
}

/** Longest stretch of selection work between two yields to the event loop. */
const SLICE_MS = 5;
/** Records examined between two clock reads. */
const CLOCK_EVERY = 256;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function byChannel<T extends { readonly channel: string }>(a: T, b: T): number {
  return a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0;
}

/**
 * The first `limit` records after `after` in channel order, whether more follow, and how many
 * records there are. Keeps at most 2 × limit candidates: whenever that fills up it sorts, keeps the
 * first `limit`, and from then on skips every record that sorts after the last one kept.
 */
export async function selectPage(
  records: Iterable<StreamRecordView>,
  after: string | undefined,
  limit: number,
): Promise<{ page: StreamRecordView[]; more: boolean; total: number }> {
  let kept: StreamRecordView[] = [];
  let ceiling: string | undefined;
  let more = false;
  let total = 0;
  let sliceStart = performance.now();
  for (const record of records) {
    total++;
    if ((total & (CLOCK_EVERY - 1)) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const channel = record.channel;
    if (after !== undefined && channel <= after) continue;
    if (ceiling !== undefined && channel >= ceiling) {
      more = true;
      continue;
    }
    kept.push(record);
    if (kept.length >= 2 * limit) {
      kept.sort(byChannel);
      kept = kept.slice(0, limit);
      ceiling = kept[limit - 1]!.channel;
      more = true;
    }
  }
  kept.sort(byChannel);
  if (kept.length > limit) {
    kept = kept.slice(0, limit);
    more = true;
  }
  return { page: kept, more, total };
}

/** JSON of one entry as exchanged between nodes. */
function entryJson(channel: string, minuteRate: number, schema: string | null): string {
  return `{"channel":${JSON.stringify(channel)},"minute_rate":${minuteRate},"schema":${schema === null ? 'null' : JSON.stringify(schema)}}`;
}

/** This node's answer to a page request, as JSON text of a ListPageAnswer within `maxBytes`. */
export async function answerPage(records: Iterable<StreamRecordView>, request: ListPageRequest): Promise<string> {
  const { page, more: moreSelected, total } = await selectPage(records, request.after, request.limit);
  await yieldToEventLoop();
  const parts: string[] = [];
  let bytes = 64; // the envelope
  let more = moreSelected;
  for (const record of page) {
    let json = entryJson(record.channel, record.minuteRate(), record.schema);
    let size = Buffer.byteLength(json) + 1;
    // A schema bigger than the whole budget is listed without it, so every page makes progress.
    if (size > request.maxBytes - 64) {
      json = entryJson(record.channel, record.minuteRate(), null);
      size = Buffer.byteLength(json) + 1;
    }
    if (bytes + size > request.maxBytes) {
      more = true;
      break;
    }
    parts.push(json);
    bytes += size;
  }
  return `{"total":${total},"more":${more},"channels":[${parts.join(',')}]}`;
}

function isEntry(value: unknown): value is ListPageEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e['channel'] === 'string' && typeof e['minute_rate'] === 'number' && (typeof e['schema'] === 'string' || e['schema'] === null);
}

/** The JSON object in `text`, or undefined when it is not JSON or not an object. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Parses a node's answer; undefined when it is not one (another version, a broken node). */
export function parseAnswer(text: string): ListPageAnswer | undefined {
  const a = jsonObject(text);
  if (a === undefined) return undefined;
  const { total, more, channels } = a;
  if (typeof total !== 'number' || typeof more !== 'boolean' || !Array.isArray(channels) || !channels.every(isEntry)) return undefined;
  return { total, more, channels };
}

/** Parses a page request (survey payload); undefined when malformed. */
export function parseRequest(text: string): ListPageRequest | undefined {
  const r = jsonObject(text);
  if (r === undefined) return undefined;
  const { orgId, after, limit, maxBytes } = r;
  if (!Number.isSafeInteger(orgId) || !Number.isSafeInteger(limit) || (limit as number) < 1 || !Number.isSafeInteger(maxBytes)) return undefined;
  if (after !== undefined && typeof after !== 'string') return undefined;
  return { orgId: orgId as number, limit: limit as number, maxBytes: maxBytes as number, ...(after === undefined ? {} : { after }) };
}
