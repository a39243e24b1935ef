// Routes HTTP upgrade requests by path to the WebSocket endpoint that owns it (/api/live/ws, the
// push endpoint, ...); anything else gets a plain 404.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade } from './reject.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, params: Record<string, string>) => void;

interface UpgradeRoute {
  readonly prefix: string;
  /** true: the path continues with one parameter segment after the prefix (e.g. /push/:streamId). */
  readonly param: string | undefined;
  readonly handler: UpgradeHandler;
}

/**
 * Until an endpoint takes the socket over, a socket error just destroys it. One shared listener (it
 * gets the socket as `this`), not a closure per connection; an endpoint that installs its own error
 * handling (ws does) may remove it again with `socket.removeListener('error', destroyOnError)`.
 */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}

export class UpgradeRouter {
  private readonly routes: UpgradeRoute[] = [];

  /** `path` is exact ("/api/live/ws") or ends with one ":name" segment ("/api/live/push/:streamId"). */
  add(path: string, handler: UpgradeHandler): void {
    const slash = path.lastIndexOf('/');
    const last = path.slice(slash + 1);
    if (last.startsWith(':')) this.routes.push({ prefix: path.slice(0, slash + 1), param: last.slice(1), handler });
    else this.routes.push({ prefix: path, param: undefined, handler });
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // e.g. "GET //": thrown from an 'upgrade' listener this would end the process.
      return rejectUpgrade(socket, 400, 'malformed request path');
    }
    for (const route of this.routes) {
      if (route.param === undefined) {
        if (path === route.prefix) return route.handler(req, socket, head, {});
        continue;
      }
      if (!path.startsWith(route.prefix)) continue;
      const rest = path.slice(route.prefix.length);
      if (rest === '' || rest.includes('/')) continue;
      let value: string;
      try {
        value = decodeURIComponent(rest);
      } catch {
        return rejectUpgrade(socket, 400, 'malformed path');
      }
      return route.handler(req, socket, head, { [route.param]: value });
    }
    rejectUpgrade(socket, 404, 'Not Found');
  }
}
