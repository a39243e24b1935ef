// The channel handler registry: scope -> resolver -> handler with onSubscribe / onPublish. Features
// (broadcast, managed streams, dashboards, plugins) only add resolvers; the node never knows them.

import type { Identity } from '../auth/identity.js';
import type { ChannelAddress } from './channel.js';
import type { Tenant } from './tenant.js';

export type HandlerStatus = 'ok' | 'not_found' | 'permission_denied';

export interface ChannelRequest {
  readonly identity: Identity;
  readonly tenant: Tenant;
  readonly address: ChannelAddress;
  /** The unprefixed channel "scope/namespace/path". */
  readonly channel: string;
  /** The canonical tenant-prefixed channel used by the engine. */
  readonly fullChannel: string;
}

export interface SubscribeRequestContext extends ChannelRequest {
  /** The client's subscribe `data` (e.g. a plugin stream's query), as parsed JSON. */
  readonly data: unknown;
}

export interface PublishRequestContext extends ChannelRequest {
  /** The published payload parsed (JSON.parse: big integers rounded, 1e400 is Infinity), for checks. */
  readonly data: unknown;
  /**
   * The payload exactly as the client wrote it (HTTP body or WebSocket command), at most
   * [server] max_json_depth deep. A handler that publishes the client's data unchanged returns this,
   * as Grafana forwards the raw bytes; one that transforms it returns its own JSON.
   */
  readonly rawData: string;
}

export interface SubscribeResult {
  readonly status: HandlerStatus;
  /** Raw JSON returned to the subscriber as initial data. */
  readonly data?: string;
  /** Track presence on this channel (and answer presence / presence_stats). */
  readonly presence?: boolean;
  /** Emit join/leave pushes. */
  readonly joinLeave?: boolean;
  /** Keep history so clients can recover missed publications after a reconnect. */
  readonly history?: boolean;
}

export interface PublishResult {
  readonly status: HandlerStatus;
  /** Raw JSON to publish cluster-wide; absent = nothing is published but the call succeeds. */
  readonly data?: string;
  /** Publish through this channel's history (set by handlers whose subscribers may recover). */
  readonly history?: boolean;
  /** Error message for a rejected payload (answered as 400 "Bad Request"). */
  readonly badRequest?: string;
}

export interface ChannelHandler {
  onSubscribe(request: SubscribeRequestContext): Promise<SubscribeResult>;
  onPublish(request: PublishRequestContext): Promise<PublishResult>;
  /** Called when the last subscriber of this channel on this node left (plugin streams use it). */
  onLastLocalUnsubscribe?(fullChannel: string): void;
  /**
   * Initial data read only once the subscription receives live publications (hub + engine
   * subscribed), so nothing published between the read and the subscription can be missed. Used
   * instead of SubscribeResult.data when present.
   */
  initialDataAfterSubscribe?(fullChannel: string): Promise<string | undefined>;
  /** True when a publication buffered during the subscribe is already contained in the initial data. */
  coveredByInitialData?(initialData: string, publicationData: string): boolean;
  /** Called when a subscription succeeded on this node (plugin streams start runs here). */
  onLocalSubscribe?(request: SubscribeRequestContext): void;
}

/** Finds the handler of one namespace/path within a scope; undefined = unknown (404). */
export type ScopeResolver = (address: ChannelAddress) => ChannelHandler | undefined;

export class HandlerRegistry {
  private readonly scopes = new Map<string, ScopeResolver>();

  register(scope: string, resolver: ScopeResolver): void {
    if (this.scopes.has(scope)) throw new Error(`scope ${scope} already has a handler`);
    this.scopes.set(scope, resolver);
  }

  /** Resolution is cheap (a map lookup and the feature's own switch), so nothing is cached. */
  resolve(address: ChannelAddress): ChannelHandler | undefined {
    return this.scopes.get(address.scope)?.(address);
  }
}
