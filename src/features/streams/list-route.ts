// GET /api/live/list: the managed streams of the caller's tenant with minute_rate and the schema of
// their last frame, merged across nodes (same channel: rates summed, data from the first reply),
// sorted by channel. A node that does not answer within 1 s is left out and reported with
// "partial": true — never a 500 (Grafana's flaw).

import type { RequestAuthenticator } from '../../http/auth-port.js';
import { sendJson } from '../../http/respond.js';
import type { RouteContext } from '../../http/router.js';
import { authenticateOrAnswer } from '../../http/routes/authenticate.js';
import type { LiveNode } from '../../live/node.js';
import type { Logger } from '../../log/logger.js';
import type { StreamListEntry } from './stream-registry.js';

export const MANAGED_STREAMS_SURVEY = 'managed_streams';
const SURVEY_TIMEOUT_MS = 1000;

/** Extra, node-independent entries (e.g. the testdata plugin's streams), not summed across nodes. */
export type ListProvider = (orgId: number) => StreamListEntry[];

function isEntryList(value: unknown): value is { channels: StreamListEntry[] } {
  if (typeof value !== 'object' || value === null) return false;
  const channels = (value as { channels?: unknown }).channels;
  return Array.isArray(channels) && channels.every((c) => typeof c === 'object' && c !== null && typeof (c as StreamListEntry).channel === 'string');
}

export function listRoute(node: LiveNode, auth: RequestAuthenticator, extra: readonly ListProvider[], log: Logger, namespaced: boolean) {
  return async ({ req, res }: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, req, res);
    if (identity === undefined) return;
    const result = await node.engine.cluster.survey(MANAGED_STREAMS_SURVEY, JSON.stringify({ orgId: identity.orgId }), SURVEY_TIMEOUT_MS);
    const merged = new Map<string, StreamListEntry>();
    for (const reply of result.replies) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.payload);
      } catch {
        parsed = undefined;
      }
      if (!isEntryList(parsed)) {
        log.warn('ignoring malformed managed_streams reply', { node: reply.nodeId });
        continue;
      }
      for (const entry of parsed.channels) {
        const seen = merged.get(entry.channel);
        merged.set(entry.channel, seen === undefined ? entry : { ...seen, minute_rate: seen.minute_rate + entry.minute_rate });
      }
    }
    for (const provider of extra) for (const entry of provider(identity.orgId)) if (!merged.has(entry.channel)) merged.set(entry.channel, entry);
    const channels = [...merged.values()].sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
    const body: Record<string, unknown> = { channels };
    if (namespaced) body['namespaced'] = true;
    if (result.missing.length > 0) {
      log.warn('live list is partial: nodes did not answer in time', { missing: result.missing.join(',') });
      body['partial'] = true;
      body['missingNodes'] = result.missing;
    }
    sendJson(res, 200, body);
  };
}
