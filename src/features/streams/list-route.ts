// GET /api/live/list[?limit=N&after=<channel>]: the managed streams of the caller's tenant with
// minute_rate and the schema of their last frame, merged across nodes (same channel: rates summed,
// schema from the first reply), sorted by channel, one bounded page at a time.
//
// Grafana's shape `{"channels":[…]}` is kept; livehub adds `total` (channels of the org) and, when
// more follow, `next` (pass it as `after` for the next page). A page holds at most `limit`
// (default and maximum: [live] list_max_page_size) channels and [live] list_max_response_bytes of
// JSON; every node's share is bounded the same way, and the merge never lists a channel past the
// last one a truncated node sent (it could have more of the channels in between). A node that does
// not answer within 1 s is left out and reported with "partial": true — never a 500 (Grafana's flaw).

import type { ServerResponse } from 'node:http';
import type { RequestAuthenticator } from '../../http/auth-port.js';
import { sendJsonText, sendMessage } from '../../http/respond.js';
import type { RouteContext } from '../../http/router.js';
import { authenticateOrAnswer } from '../../http/routes/authenticate.js';
import type { LiveFacade } from '../../live/live-facade.js';
import type { Logger } from '../../log/logger.js';
import { type ListPageAnswer, type ListPageRequest, byChannel, parseAnswer, yieldToEventLoop } from './list-page.js';

export const MANAGED_STREAMS_SURVEY = 'managed_streams_page';
const SURVEY_TIMEOUT_MS = 1000;
/** Longest `after` accepted: a channel is at most 255 bytes with its tenant prefix. */
const MAX_CURSOR_LENGTH = 255;

/** An extra, node-independent entry (e.g. a testdata plugin stream), not summed across nodes. */
export interface ListProviderEntry {
  readonly channel: string;
  readonly minute_rate: number;
  readonly data: unknown;
}

export type ListProvider = (orgId: number) => ListProviderEntry[];

export interface ListOptions {
  readonly namespaced: boolean;
  readonly maxPageSize: number;
  readonly maxBytes: number;
}

type Paging = { readonly limit: number; readonly after?: string } | { readonly error: string };

/** `limit` (1…maxPageSize, default maxPageSize) and `after` (a channel name); anything else → 400. */
export function parsePaging(url: URL, maxPageSize: number): Paging {
  const limitText = url.searchParams.get('limit');
  let limit = maxPageSize;
  if (limitText !== null) {
    if (!/^[0-9]{1,9}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > maxPageSize) {
      return { error: `invalid limit ${JSON.stringify(limitText.slice(0, 32))}: must be an integer from 1 to ${maxPageSize} ([live] list_max_page_size)` };
    }
    limit = Number(limitText);
  }
  const after = url.searchParams.get('after');
  if (after === null) return { limit };
  if (after === '' || after.length > MAX_CURSOR_LENGTH) return { error: `invalid after: must be a channel name of 1 to ${MAX_CURSOR_LENGTH} characters (the "next" of the previous page)` };
  return { limit, after };
}

interface Merged {
  readonly channel: string;
  minute_rate: number;
  /** JSON text of `data`. */
  readonly data: string;
}

export function listRoute(node: Pick<LiveFacade, 'survey'>, auth: RequestAuthenticator, extra: readonly ListProvider[], log: Logger, options: ListOptions) {
  return async ({ req, res, url }: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, req, res);
    if (identity === undefined) return;
    const paging = parsePaging(url, options.maxPageSize);
    if ('error' in paging) return sendMessage(res, 400, paging.error);
    const request: ListPageRequest = { orgId: identity.orgId, limit: paging.limit, maxBytes: options.maxBytes, ...(paging.after === undefined ? {} : { after: paging.after }) };
    const result = await node.survey(MANAGED_STREAMS_SURVEY, JSON.stringify(request), SURVEY_TIMEOUT_MS);

    const answers: ListPageAnswer[] = [];
    for (const reply of result.replies) {
      // Each answer is up to maxBytes of JSON: parse them in turns of their own, apart from the
      // answering (in-process for this node) and from the merge.
      await yieldToEventLoop();
      const answer = parseAnswer(reply.payload);
      if (answer === undefined) log.warn('ignoring malformed managed_streams_page reply', { node: reply.nodeId });
      else answers.push(answer);
    }
    await yieldToEventLoop();
    const extraEntries = extra.flatMap((provider) => provider(identity.orgId));
    const page = mergePage(answers, extraEntries, request);
    sendPage(res, page, options.namespaced, result.missing, log);
  };
}

interface Page {
  readonly entries: Merged[];
  readonly total: number;
  /** Channels follow the last entry. */
  readonly more: boolean;
}

/**
 * Merges the nodes' answers into one page. A node that left channels out (`more`) bounds the page
 * at its last entry: past it, that node may hold channels (or rates) this page would miss.
 */
export function mergePage(answers: readonly ListPageAnswer[], extraEntries: readonly ListProviderEntry[], request: ListPageRequest): Page {
  let horizon: string | undefined;
  let more = false;
  let total = 0;
  for (const answer of answers) {
    total += answer.total;
    if (!answer.more) continue;
    more = true;
    const last = answer.channels[answer.channels.length - 1]?.channel;
    if (last !== undefined && (horizon === undefined || last < horizon)) horizon = last;
  }
  const within = (channel: string): boolean => (request.after === undefined || channel > request.after) && (horizon === undefined || channel <= horizon);
  const merged = new Map<string, Merged>();
  for (const answer of answers) {
    for (const entry of answer.channels) {
      if (!within(entry.channel)) continue;
      const seen = merged.get(entry.channel);
      if (seen !== undefined) seen.minute_rate += entry.minute_rate;
      else merged.set(entry.channel, { channel: entry.channel, minute_rate: entry.minute_rate, data: entry.schema ?? 'null' });
    }
  }
  total += extraEntries.length;
  for (const entry of extraEntries) {
    if (within(entry.channel) && !merged.has(entry.channel)) merged.set(entry.channel, { channel: entry.channel, minute_rate: entry.minute_rate, data: JSON.stringify(entry.data) });
  }
  const sorted = [...merged.values()].sort(byChannel);
  if (sorted.length > request.limit) more = true;
  const entries: Merged[] = [];
  let bytes = 128; // the envelope
  for (const entry of sorted.slice(0, request.limit)) {
    const size = entrySize(entry);
    if (entries.length > 0 && bytes + size > request.maxBytes) {
      more = true;
      break;
    }
    entries.push(entry);
    bytes += size;
  }
  return { entries, total, more };
}

function entryJson(entry: Merged): string {
  return `{"channel":${JSON.stringify(entry.channel)},"minute_rate":${entry.minute_rate},"data":${entry.data}}`;
}

function entrySize(entry: Merged): number {
  return Buffer.byteLength(entry.channel) + Buffer.byteLength(entry.data) + 48;
}

function sendPage(res: ServerResponse, page: Page, namespaced: boolean, missing: readonly string[], log: Logger): void {
  let text = `{"channels":[${page.entries.map(entryJson).join(',')}],"total":${page.total}`;
  if (page.more && page.entries.length > 0) text += `,"next":${JSON.stringify(page.entries[page.entries.length - 1]!.channel)}`;
  if (namespaced) text += ',"namespaced":true';
  if (missing.length > 0) {
    log.warn('live list is partial: nodes did not answer in time', { missing: missing.join(',') });
    text += `,"partial":true,"missingNodes":${JSON.stringify(missing)}`;
  }
  sendJsonText(res, 200, `${text}}`);
}
