// Managed streams (Telegraf): the `stream` scope, the push service and its HTTP endpoint,
// /api/live/list and this node's answer to the cross-node list survey. The push WebSocket is an edge
// (transport/push-socket.ts) the composition root wires to this feature's service.

import type { FeatureContext, InstalledFeature } from '../context.js';
import { answerPage, parseRequest } from './list-page.js';
import { listRoute, MANAGED_STREAMS_SURVEY, type ListProvider } from './list-route.js';
import { pushRoute } from './push-route.js';
import { PushService } from './push-service.js';
import { ManagedStreamHandler } from './managed-stream-channel.js';
import { ManagedStreamRegistry } from './stream-registry.js';

export interface ManagedStreamsFeature extends InstalledFeature {
  readonly service: PushService;
  readonly registry: ManagedStreamRegistry;
  /** Adds entries to /api/live/list (e.g. the testdata plugin's streams). */
  addListProvider(provider: ListProvider): void;
}

export function installManagedStreams(ctx: FeatureContext): ManagedStreamsFeature {
  const live = ctx.config.live;
  const registry = new ManagedStreamRegistry({
    maxStreamsPerOrg: live.maxManagedStreamsPerOrg,
    maxChannelsPerOrg: live.maxManagedChannelsPerOrg,
    idleTimeoutMs: live.managedStreamIdleTimeoutMs,
  });
  const log = ctx.log.child('streams');
  const service = new PushService(ctx.node, registry, { maxRows: live.pushMaxRows, maxFrameFields: live.pushMaxFrameFields, maxValues: live.pushMaxValues }, log);
  const handler = new ManagedStreamHandler(ctx.node);
  ctx.registry.register('stream', () => handler);

  ctx.node.onSurvey(MANAGED_STREAMS_SURVEY, async (payload) => {
    const request = parseRequest(payload);
    if (request === undefined) throw new Error('malformed managed_streams_page request');
    // A node never sends more than its own budget allows, whatever the requester asked.
    return answerPage(registry.orgRecords(request.orgId), {
      ...request,
      limit: Math.min(request.limit, live.listMaxPageSize),
      maxBytes: Math.min(request.maxBytes, live.listMaxResponseBytes),
    });
  });

  const providers: ListProvider[] = [];
  ctx.router.add('POST', '/api/live/push/:streamId', pushRoute(service, ctx.auth, ctx.node, live.pushBodyLimit, ctx.rateLimiter));
  ctx.router.add('GET', '/api/live/list', listRoute(ctx.node, ctx.auth, providers, log, {
    namespaced: live.namespaced,
    maxPageSize: live.listMaxPageSize,
    maxBytes: live.listMaxResponseBytes,
  }));

  return {
    service,
    registry,
    addListProvider: (provider) => providers.push(provider),
    start: async () => registry.startSweeping(),
    stop: async () => registry.stopSweeping(),
  };
}
