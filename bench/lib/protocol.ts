// What the load generator says to each server under test. livehub speaks Centrifuge protocol v2
// (JSON, newline-joined objects per WebSocket message); the bare `ws` peer a tiny JSON protocol of
// its own; Socket.IO its engine.io v4 packets over a WebSocket (`0` open, `40` namespace connect,
// `42["event",…]`, `43<id>[…]` acks, `2`/`3` ping/pong). `livehub-protobuf` is livehub with the
// protobuf codec (binary frames of varint-length-delimited Replies, decoded by the load generator
// with the server's generated code); it is published to like livehub. Every published message
// carries the marker `~T<ms since epoch>~`, so deliveries are counted (and latencies read) the same
// way for all.

export type Protocol = 'livehub' | 'livehub-protobuf' | 'bare' | 'socketio';

/** livehub in either codec (same server, same publishing). */
export function isLivehub(protocol: Protocol): boolean {
  return protocol === 'livehub' || protocol === 'livehub-protobuf';
}

export const MARKER = '~T';

export function wsPath(protocol: Protocol): string {
  if (protocol === 'livehub') return '/api/live/ws';
  if (protocol === 'livehub-protobuf') return '/api/live/ws?format=protobuf';
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
  // The same publications as livehub's (the publisher is the same HTTP push).
  'livehub-protobuf': 112,
  // {"push":{"channel":"fanout","pub":{"data":{"p":"…"}}}}
  bare: 52,
  // 42["m",{"p":"…"}]
  socketio: 16,
};
