// GET /metrics: Prometheus text exposition of this node's metrics (node-local, labelled `node`).

import type { Registry } from 'prom-client';
import type { RouteContext } from '../router.js';

export function metricsRoute(registry: Registry) {
  return async ({ res }: RouteContext): Promise<void> => {
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
}
