// What the load generator says to each server under test. livehub speaks Centrifuge protocol v2
// (JSON, newline-joined objects per WebSocket message); the bare `ws` peer a tiny JSON protocol of
// its own; Socket.IO its engine.io v4 packets over a WebSocket (`0` open, `40` namespace connect,
// `42["event",…]`, `43<id>[…]` acks, `2`/`3` ping/pong). Every published message carries the marker
// `~T<ms since epoch>~`, so deliveries are counted (and latencies read) the same way for all three.

export type Protocol = 'livehub' | 'bare' | 'socketio';

export const MARKER = '~T';

export function wsPath(protocol: Protocol): string {
  if (protocol === 'livehub') return '/api/live/ws';
  if (protocol === 'socketio') return '/socket.io/?EIO=4&transport=websocket';
  return '/ws';
}

/** Wall-clock milliseconds with sub-millisecond precision (same clock in every process). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A marker + padding string so that the whole delivered text is about `size` bytes. */
export function payloadText(size: number, overhead: number): string {
  const head = `${MARKER}${nowMs().toFixed(3)}~`;
  return head + 'x'.repeat(Math.max(0, size - overhead - head.length));
}

/** Bytes a delivered message has around the padded string, per protocol (measured; keeps ~200 B). */
export const DELIVERY_OVERHEAD: Record<Protocol, number> = {
  // {"push":{"channel":"1/stream/bench/fanout","pub":{"data":{"data":{"values":[["h=a"],[1700000000000],["…"]]}}}}}
  livehub: 112,
  // {"push":{"channel":"fanout","pub":{"data":{"p":"…"}}}}
  bare: 52,
  // 42["m",{"p":"…"}]
  socketio: 16,
};
