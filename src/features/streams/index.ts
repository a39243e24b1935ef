// Managed streams (Telegraf): the `stream` scope, the push endpoints (HTTP and WebSocket),
// /api/live/list and this node's answer to the cross-node list survey.

import type { FeatureContext, InstalledFeature } from '../context.js';
import { listRoute, MANAGED_STREAMS_SURVEY, type ListProvider } from './list-route.js';
import { pushRoute } from './push-route.js';
import { PushService } from './push-service.js';
import { PushWebSocketEndpoint } from './push-socket.js';
import { ManagedStreamHandler } from './stream-handler.js';
import { ManagedStreamRegistry } from './stream-registry.js';

export interface ManagedStreamsFeature extends InstalledFeature {
  readonly service: PushService;
  readonly registry: ManagedStreamRegistry;
  /** Adds entries to /api/live/list (e.g. the testdata plugin's streams). */
  addListProvider(provider: ListProvider): void;
}

export function installManagedStreams(ctx: FeatureContext): ManagedStreamsFeature {
  const registry = new ManagedStreamRegistry();
  const log = ctx.log.child('streams');
  const service = new PushService(ctx.node, registry, log);
  const handler = new ManagedStreamHandler(ctx.node);
  ctx.registry.register('stream', () => handler);

  ctx.node.engine.cluster.onSurvey(MANAGED_STREAMS_SURVEY, async (payload) => {
    const { orgId } = JSON.parse(payload) as { orgId: number };
    return JSON.stringify({ channels: registry.list(orgId) });
  });

  const providers: ListProvider[] = [];
  ctx.router.add('POST', '/api/live/push/:streamId', pushRoute(service, ctx.auth, ctx.node, ctx.config.live.pushBodyLimit, ctx.rateLimiter));
  ctx.router.add('GET', '/api/live/list', listRoute(ctx.node, ctx.auth, providers, log, ctx.config.live.namespaced));
  const socket = new PushWebSocketEndpoint(ctx.node, service, ctx.auth, ctx.origins, log);
  ctx.upgrades.add('/api/live/push/:streamId', (req, sock, head, params) => socket.handleUpgrade(req, sock, head, params['streamId'] ?? ''));

  return {
    service,
    registry,
    addListProvider: (provider) => providers.push(provider),
    stop: async () => socket.close(),
  };
}
