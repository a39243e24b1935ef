// Loopback TCP ports: free ones for servers the harness starts (redis-server, HAProxy, livehub with a
// fixed port, …). Chosen at random BELOW the kernel's ephemeral range (32768+): a port taken from that
// range (listen on 0) can be handed to an outgoing connection before the other process binds it, and
// busy test and benchmark runs make many outgoing connections.

import { connect, createServer } from 'node:net';

const LOWEST = 10_000;
const SPAN = 22_000; // LOWEST + SPAN < 32768

/** True when nothing listens on 127.0.0.1:port right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports; resolves with the first (a script gives node i the port first + i). */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = LOWEST + Math.floor(Math.random() * (SPAN - count));
    let free = true;
    for (let i = 0; i < count && free; i++) free = await portIsFree(first + i);
    if (free) return first;
  }
  throw new Error(`no ${count} consecutive free ports below the ephemeral range`);
}

/** One free port on 127.0.0.1 for a server another process will listen on. */
export function freePort(): Promise<number> {
  return freePorts(1);
}

/** True when a server accepts a TCP connection on 127.0.0.1:port. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
