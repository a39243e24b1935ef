// An HTTP reverse proxy in front of a test hub that plays the corporate proxy the Live fallback
// transports exist for: it refuses every WebSocket upgrade (403) and, optionally, requests to some
// paths (502), and passes everything else through as it is written — responses stream, nothing is
// buffered — so HTTP-streaming and SSE work through it.

import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface BlockingProxy {
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Upgrade requests refused so far. */
  readonly refusedUpgrades: number;
  /** Requests passed through, by path. */
  readonly passed: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

export interface BlockingProxyOptions {
  /** Paths answered 502 instead of being passed on (e.g. "/api/live/http_stream"). */
  readonly blockPaths?: readonly string[];
}

export async function startBlockingProxy(targetPort: number, options: BlockingProxyOptions = {}): Promise<BlockingProxy> {
  const blocked = new Set(options.blockPaths ?? []);
  const passed = new Map<string, number>();
  const sockets = new Set<Socket>();
  let refusedUpgrades = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    if (blocked.has(path)) {
      req.resume();
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('blocked by the test proxy');
      return;
    }
    passed.set(path, (passed.get(path) ?? 0) + 1);
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${targetPort}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (_req, socket: Socket) => {
    refusedUpgrades++;
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/live/ws`,
    get refusedUpgrades() {
      return refusedUpgrades;
    },
    passed,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
