// The library entry point for apps that embed livehub: build a hub from a config, add channel
// handlers, stream plugins, RPC methods, and publish from your own code. The app sees the node
// through LiveFacade only (live/live-facade.ts); the engine stays the node's.

import { createLiveHub as assembleLiveHub, type LiveHub, type LiveHubOptions } from './server.js';

export type { LiveHub, LiveHubOptions };

/** Builds a hub from a resolved config; `start()` listens, `stop()` shuts down gracefully. */
export function createLiveHub(options: LiveHubOptions): LiveHub {
  return assembleLiveHub(options);
}

export { loadConfig, defaultConfig, ConfigError } from './config/load.js';
export type { LiveHubConfig } from './config/types.js';
export type { Identity } from './auth/identity.js';
export type { OrgRole } from './roles/org-role.js';
export { hasRole } from './auth/identity.js';
export type {
  ChannelHandler,
  ChannelRequest,
  PublishRequestContext,
  PublishResult,
  ScopeResolver,
  SubscribeRequestContext,
  SubscribeResult,
} from './live/handlers.js';
export type { LiveFacade, MessageHandler, PublishOptions, Resolution, ResolvedChannel, RpcMethod } from './live/live-facade.js';
export type { FeatureContext, InstalledFeature } from './features/context.js';
export type * from './features/plugins/api.js';
export { parseChannel, type ChannelAddress } from './live/channel.js';
export { parseTenant, tenantForOrg, type Tenant } from './live/tenant.js';
export { Errors, Disconnects, Unsubscribes } from './protocol/codes.js';
export { parseLineProtocol, LineProtocolError } from './influx/index.js';
export { lineProtocolToFrames, encodeFrame } from './frames/index.js';
