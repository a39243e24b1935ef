// Test helper: a tiny JWKS endpoint on 127.0.0.1 (node:http), the identity provider of the
// jwk_set_url tests. The test swaps the served keys (rotation) or the behaviour (failing, hanging,
// garbage, oversized) and counts every request the server received.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JsonWebKey } from 'node:crypto';

export type JwksBehaviour = 'keys' | 'error500' | 'hang' | 'garbage' | 'empty-set' | 'huge';

export class JwksServer {
  /** Requests received, whatever was answered. */
  requests = 0;
  keys: JsonWebKey[] = [];
  behaviour: JwksBehaviour = 'keys';
  /** Sent as Cache-Control when set. */
  cacheControl: string | undefined;
  /** When set, requests without `Authorization: <requiredAuthorization>` get 401. */
  requiredAuthorization: string | undefined;
  /** Delay before answering, to make callers wait for the endpoint. */
  delayMs = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly url: string) {}

  /** `tls`: serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  static async start(keys: JsonWebKey[] = [], tls?: { cert: string; key: string }): Promise<JwksServer> {
    let self: JwksServer | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => self!.handle(req, res);
    const server: Server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new JwksServer(server, `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/.well-known/jwks.json`);
    self.keys = keys;
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    if (this.delayMs > 0) {
      setTimeout(() => this.answer(req, res), this.delayMs);
      return;
    }
    this.answer(req, res);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (this.requiredAuthorization !== undefined && req.headers.authorization !== this.requiredAuthorization) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cacheControl !== undefined) headers['cache-control'] = this.cacheControl;
    switch (this.behaviour) {
      case 'keys':
        res.writeHead(200, headers).end(JSON.stringify({ keys: this.keys }));
        return;
      case 'error500':
        res.writeHead(500).end('identity provider down');
        return;
      case 'hang':
        // Headers are sent, the body never completes: only the fetch deadline ends it.
        res.writeHead(200, headers);
        res.write('{"keys": [');
        this.hanging.add(res);
        return;
      case 'garbage':
        res.writeHead(200, headers).end('<html>login page</html>');
        return;
      case 'empty-set':
        res.writeHead(200, headers).end('{"keys": []}');
        return;
      case 'huge':
        res.writeHead(200, headers).end(JSON.stringify({ keys: this.keys, padding: 'x'.repeat(2 * 1024 * 1024) }));
        return;
    }
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
