// The library entry point for apps that embed livehub: build a hub from a config, add channel
// handlers, stream plugins, RPC methods, and publish from your own code.

export { createLiveHub, type LiveHub, type LiveHubOptions } from './server.js';
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
export type { LiveNode, RpcMethod, MessageHandler } from './live/node.js';
export type { FeatureContext, InstalledFeature } from './features/context.js';
export type * from './features/plugins/api.js';
export { parseChannel, type ChannelAddress } from './live/channel.js';
export { parseTenant, tenantForOrg, type Tenant } from './live/tenant.js';
export { Errors, Disconnects, Unsubscribes } from './protocol/codes.js';
export { parseLineProtocol, LineProtocolError } from './influx/index.js';
export { lineProtocolToFrames, encodeFrame } from './frames/index.js';
