// GET /: a minimal page so the quick start shows something in a browser (the Live console replaces
// it). Lists the endpoints an operator needs.

import type { LiveNode } from '../../live/node.js';
import type { RouteContext } from '../router.js';

export function landingRoute(node: LiveNode) {
  return ({ res }: RouteContext): void => {
    const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>livehub</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>livehub ${node.options.version}</h1>
<p>Real-time streaming server compatible with Grafana Live.</p>
<ul>
<li>WebSocket (Centrifuge protocol v2): <code>/api/live/ws</code></li>
<li>Publish: <code>POST /api/live/publish</code></li>
<li>Health: <a href="/api/health">/api/health</a></li>
</ul></body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
    res.end(html);
  };
}
