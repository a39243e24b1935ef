// A TCP proxy in front of a Redis for fault tests. It listens on a port of its own (in this process,
// so listening on 0 cannot race another process).

import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a Redis: `freeze(localPort)` silently stops forwarding traffic of one
 * upstream connection in both directions without closing it — the "TCP alive but deaf" case the
 * PUB/SUB liveness probe exists for.
 */
export interface TcpProxy {
  readonly port: number;
  freeze(upstreamLocalPort: number): boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Map<number, { client: Socket; upstream: Socket; frozen: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream, frozen: false };
    upstream.on('connect', () => {
      if (upstream.localPort !== undefined) pairs.set(upstream.localPort, pair);
    });
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy port');
  return {
    port: address.port,
    freeze(localPort) {
      const pair = pairs.get(localPort);
      if (pair === undefined) return false;
      pair.frozen = true;
      return true;
    },
    async close() {
      for (const pair of pairs.values()) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
