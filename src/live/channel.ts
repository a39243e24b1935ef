// Grafana's channel grammar (SDK ParseChannel): "scope/namespace/path", at most 160 bytes,
// scope and namespace in [A-z0-9_\-.], path in [A-z0-9_\-/=.]. Pure, no I/O.

export const MAX_UNPREFIXED_CHANNEL_BYTES = 160;

export interface ChannelAddress {
  readonly scope: string;
  readonly namespace: string;
  readonly path: string;
}

// [A-z] deliberately admits 0x5B–0x60 ("[ \ ] ^ _ `") exactly as Grafana's regexp does, so every
// channel Grafana accepts works here too.
function isScopeChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

function isPathChar(c: number): boolean {
  return isScopeChar(c) || c === 0x2f || c === 0x3d;
}

function allChars(s: string, ok: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!ok(s.charCodeAt(i))) return false;
  return true;
}

/** Parses an unprefixed channel; undefined when Grafana would answer "invalid channel ID". */
export function parseChannel(channel: string): ChannelAddress | undefined {
  if (channel.length === 0 || Buffer.byteLength(channel) > MAX_UNPREFIXED_CHANNEL_BYTES) return undefined;
  const first = channel.indexOf('/');
  if (first <= 0) return undefined;
  const second = channel.indexOf('/', first + 1);
  if (second <= first + 1 || second === channel.length - 1) return undefined;
  const scope = channel.slice(0, first);
  const namespace = channel.slice(first + 1, second);
  const path = channel.slice(second + 1);
  if (!allChars(scope, isScopeChar) || !allChars(namespace, isScopeChar) || !allChars(path, isPathChar)) {
    return undefined;
  }
  return { scope, namespace, path };
}

export function formatChannel(address: ChannelAddress): string {
  return `${address.scope}/${address.namespace}/${address.path}`;
}
