// GET /api/health: 200 with the engine's state when the node can serve, 503 when it cannot (e.g.
// Redis unreachable), so load balancers and orchestrators see the truth.

import type { LiveNode } from '../../live/node.js';
import { sendJson } from '../respond.js';
import type { RouteContext } from '../router.js';

export function healthRoute(node: LiveNode) {
  return ({ res }: RouteContext): void => {
    const engine = node.health();
    const stats = node.stats();
    sendJson(res, engine.healthy ? 200 : 503, {
      status: engine.healthy ? 'ok' : 'unhealthy',
      version: node.options.version,
      nodeId: node.options.nodeId,
      engine,
      live: {
        enabled: node.options.maxConnections !== 0,
        connections: stats.numClients,
        maxConnections: node.options.maxConnections,
        subscriptions: stats.numSubscriptions,
        channels: stats.numChannels,
      },
    });
  };
}
