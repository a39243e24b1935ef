// What a feature gets when it is installed by the composition root: the node's facade, the handler
// registry (and the grafana scope), the HTTP router, authentication, the HTTP rate limiter, config
// and a logger. Features never see sockets (the transport owns them: the push socket is an edge that
// calls the streams feature's push service) nor the engine (the node keeps it private).

import type { LiveHubConfig } from '../config/types.js';
import type { RequestAuthenticator } from '../http/auth-port.js';
import type { HttpRateLimiter } from '../http/rate-limiter.js';
import type { Router } from '../http/router.js';
import type { HandlerRegistry } from '../live/handlers.js';
import type { LiveFacade } from '../live/live-facade.js';
import type { Logger } from '../log/logger.js';
import type { GrafanaScope } from './grafana-scope.js';

export interface FeatureContext {
  readonly config: LiveHubConfig;
  readonly node: LiveFacade;
  readonly registry: HandlerRegistry;
  readonly grafanaScope: GrafanaScope;
  readonly router: Router;
  readonly auth: RequestAuthenticator;
  /** [http_rate_limit]: routes admit each authenticated request through it (429 over a limit). */
  readonly rateLimiter: HttpRateLimiter;
  readonly log: Logger;
}

/** A feature may own resources (databases, timers) that must be released on shutdown. */
export interface InstalledFeature {
  /** Resolves once the feature is ready to serve (e.g. migrations ran). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
