// Cross-origin access to the Live HTTP endpoints (HTTP-streaming, SSE, emulation). Browsers need CORS
// answers for a page served from another origin — one the Live origin rule allows ([live]
// allowed_origins, root_url) — to read a stream or post commands with fetch. A same-origin request
// needs nothing and gets nothing; an origin the rule refuses gets no CORS headers (and the endpoint's
// own check answers 403).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginChecker } from './origin.js';

/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

function crossOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined || origin === '' || origin === 'null') return undefined;
  try {
    return new URL(origin).host === (req.headers.host ?? '').toLowerCase() ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** Headers that let an allowed cross-origin page read the answer (none for same-origin requests). */
export function corsHeaders(req: IncomingMessage, origins: OriginChecker): Record<string, string> {
  const origin = crossOrigin(req);
  if (origin === undefined || !origins.allowed(origin, req.headers.host)) return {};
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
}

/** Answers a CORS preflight (OPTIONS) for a POST endpoint: 204 with the grants, or 403. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, origins: OriginChecker): void {
  const headers = corsHeaders(req, origins);
  if (headers['Access-Control-Allow-Origin'] === undefined) {
    res.writeHead(403, { 'Content-Length': 0 });
    res.end();
    return;
  }
  res.writeHead(204, {
    ...headers,
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
    'Content-Length': 0,
  });
  res.end();
}
