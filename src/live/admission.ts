// Who may hold a connection slot without a credential. A socket is *unauthenticated* from its
// upgrade until a credential authenticates it: its upgrade carried none (no Authorization header,
// no auth_token; anonymous or nothing) and no connect token has been accepted yet. Anonymous
// sessions stay unauthenticated for their whole life. Two caps keep them from taking every slot:
//  * per node, all unauthenticated sockets ([live] max_unauthenticated_connections, a count or a
//    share of max_connections): over it → close 3504 right after the upgrade, like max_connections;
//  * per client address, unauthenticated sockets that have not completed `connect` yet
//    ([live] max_unauthenticated_connections_per_ip): over it → HTTP 429 at the upgrade.
// What is left of max_connections can only be taken by sockets that brought a credential.

import type { UnauthenticatedLimit } from '../config/types.js';

/** The cap in sockets (-1 = none) for a node with this max_connections. */
export function resolveUnauthenticatedLimit(limit: UnauthenticatedLimit, maxConnections: number): number {
  if ('count' in limit) return limit.count;
  if (maxConnections < 0) return -1;
  return Math.floor((maxConnections * limit.percent) / 100);
}

/** The key a session holds while counted: its client address while pending, '' once anonymous. */
export const ANONYMOUS_SESSION = '';

/**
 * The counts behind both caps. A session holds one key: its client address while it has not
 * connected (counted per address and in total), ANONYMOUS_SESSION once it connected without a
 * credential (counted in total only), nothing once authenticated.
 */
export class UnauthenticatedConnections {
  private total = 0;
  /** Pending unauthenticated sockets per client address; entries go away at zero. */
  private readonly pendingByAddress = new Map<string, number>();
  rejectedByNodeLimit = 0;
  rejectedByAddressLimit = 0;

  constructor(
    /** -1 = no cap. */
    readonly maxTotal: number,
    /** -1 = no cap. */
    readonly maxPendingPerAddress: number,
  ) {}

  get count(): number {
    return this.total;
  }

  get addresses(): number {
    return this.pendingByAddress.size;
  }

  /** The per-address check, made before the upgrade is answered (false → HTTP 429). */
  admitsPendingFrom(address: string): boolean {
    if (this.maxPendingPerAddress < 0 || (this.pendingByAddress.get(address) ?? 0) < this.maxPendingPerAddress) return true;
    this.rejectedByAddressLimit++;
    return false;
  }

  /** Counts a new unauthenticated socket; false when the node's cap is reached (→ close 3504). */
  add(address: string): boolean {
    if (this.maxTotal >= 0 && this.total >= this.maxTotal) {
      this.rejectedByNodeLimit++;
      return false;
    }
    this.total++;
    this.pendingByAddress.set(address, (this.pendingByAddress.get(address) ?? 0) + 1);
    return true;
  }

  /** The socket connected without a credential: no longer pending, still unauthenticated. */
  connectedAnonymously(address: string): void {
    this.releaseAddress(address);
  }

  /** The socket authenticated or closed: it counts no more. */
  remove(key: string): void {
    this.total--;
    if (key !== ANONYMOUS_SESSION) this.releaseAddress(key);
  }

  private releaseAddress(address: string): void {
    const n = (this.pendingByAddress.get(address) ?? 0) - 1;
    if (n <= 0) this.pendingByAddress.delete(address);
    else this.pendingByAddress.set(address, n);
  }
}

/** The client address a cap counts: the TCP peer, IPv4-mapped IPv6 written as IPv4. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
