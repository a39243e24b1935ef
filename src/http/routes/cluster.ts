// GET /api/live/cluster: the nodes this node knows (itself plus every node whose heartbeat it saw),
// with their connection counts and uptime, and this node's engine health and its connections by
// transport and codec (`websocket json`, `http_stream protobuf`, `sse json`). For the console and operators.

import type { LiveNode } from '../../live/node.js';
import type { RequestAuthenticator } from '../auth-port.js';
import { sendJson } from '../respond.js';
import type { RouteContext } from '../router.js';
import { authenticateOrAnswer } from './authenticate.js';

export function clusterRoute(node: LiveNode, auth: RequestAuthenticator) {
  return async ({ req, res }: RouteContext): Promise<void> => {
    if ((await authenticateOrAnswer(auth, req, res)) === undefined) return;
    sendJson(res, 200, {
      self: node.options.nodeId,
      engine: node.health(),
      connections: node.connectionsByKind(),
      nodes: node.clusterNodes().map((n) => ({ ...n, self: n.id === node.options.nodeId })),
    });
  };
}
