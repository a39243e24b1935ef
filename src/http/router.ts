// A tiny method + path router (":name" segments and a trailing "*"), enough for livehub's handful of
// routes. Every handler error becomes a 500 JSON answer and a log line, never a crash. A guard (CSRF,
// content types: request-guard.ts) runs before every route.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { RequestGuard, RouteOptions } from './request-guard.js';
import { sendMessage } from './respond.js';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Record<string, string>;
  readonly url: URL;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  readonly method: string;
  readonly segments: string[];
  readonly handler: RouteHandler;
  readonly options: RouteOptions;
}

function match(segments: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg === '*') {
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) {
      if (part === '') return undefined;
      try {
        params[seg.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (seg !== part) {
      return undefined;
    }
  }
  return parts.length === segments.length ? params : undefined;
}

export class Router {
  private readonly routes: Route[] = [];
  private guard: RequestGuard | undefined;

  constructor(private readonly log: Logger) {}

  add(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.routes.push({ method, segments: path.split('/').slice(1), handler, options });
  }

  /** Checks every request must pass before its route runs. */
  useGuard(guard: RequestGuard): void {
    this.guard = guard;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      // "//" or "//[" are valid request targets for Node's parser but not relative URLs: an uncaught
      // throw here would end the process (the caller does not await this promise).
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      req.resume();
      return sendMessage(res, 400, 'malformed request path');
    }
    const parts = url.pathname.split('/').slice(1);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.segments, parts);
      if (params === undefined) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) continue;
      if (this.guard !== undefined && !this.guard.admit(req, res, url.pathname, route.options)) return;
      try {
        await route.handler({ req, res, params, url });
      } catch (err) {
        // Keyed by route, not by the client's path: a client repeating a failing request cannot flood the log.
        this.log.limited('error', `request-failed ${route.method} ${route.segments.join('/')}`, 'request failed', { method: req.method, path: url.pathname, error: err });
        if (!res.headersSent) sendMessage(res, 500, 'Internal Server Error');
        else res.destroy();
      }
      return;
    }
    if (pathMatched) sendMessage(res, 405, 'Method Not Allowed');
    else sendMessage(res, 404, 'Not Found');
  }
}
