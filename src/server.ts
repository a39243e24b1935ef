// Composition root: builds the engine, the node, the handler registry and features, the HTTP routes
// and the WebSocket endpoints from a resolved config, and runs them until stopped.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Authenticator } from './auth/authenticator.js';
import type { LiveHubConfig, LiveTransport } from './config/types.js';
import type { Engine } from './engine/engine.js';
import { createEngine } from './engine/create-engine.js';
import { MemoryEngine } from './engine/memory/memory-engine.js';
import { RedisEngine } from './engine/redis/redis-engine.js';
import { createMetricsRegistry } from './metrics/prometheus.js';
import { metricsRoute } from './http/routes/metrics.js';
import { clusterRoute } from './http/routes/cluster.js';
import { registerBroadcast } from './features/broadcast.js';
import type { FeatureContext, InstalledFeature } from './features/context.js';
import { installDashboards, type DashboardsFeature } from './features/dashboards/index.js';
import { installPlugins, testDataChannels, type PluginsFeature } from './features/plugins/index.js';
import { installManagedStreams, type ManagedStreamsFeature } from './features/streams/index.js';
import { GrafanaScope } from './features/grafana-scope.js';
import { sendMessage } from './http/respond.js';
import { Router } from './http/router.js';
import { healthRoute } from './http/routes/health.js';
import { installConsole } from './http/routes/console.js';
import { publishRoute } from './http/routes/publish.js';
import { resolveUnauthenticatedLimit } from './live/admission.js';
import { CredentialRevocations } from './live/credentials.js';
import { CsrfPolicy } from './http/csrf.js';
import { HttpRateLimiter } from './http/rate-limiter.js';
import { RequestGuard } from './http/request-guard.js';
import { HandlerRegistry } from './live/handlers.js';
import type { LiveFacade } from './live/live-facade.js';
import { LiveNode } from './live/node.js';
import { createLogger, type Logger, type LoggerOptions } from './log/logger.js';
import { Disconnects } from './protocol/codes.js';
import { answerPreflight } from './transport/cors.js';
import { EmulationEndpoint } from './transport/emulation-endpoint.js';
import { EmulationSessions } from './transport/emulation-sessions.js';
import { LiveRequestAdmission, type LiveEndpointOptions } from './transport/live-admission.js';
import { LiveStreamEndpoint } from './transport/live-stream.js';
import { LiveWebSocketEndpoint } from './transport/live-ws.js';
import { OriginChecker } from './transport/origin.js';
import { PushWebSocketEndpoint } from './transport/push-socket.js';
import { UpgradeRouter } from './transport/upgrade-router.js';
import { VERSION } from './version.js';

export interface LiveHubOptions {
  readonly config: LiveHubConfig;
  readonly logger?: Logger;
  /** Node id; random by default. */
  readonly nodeId?: string;
  /** Install the built-in dashboards and plugin features (default true; tests install their own). */
  readonly installBuiltins?: boolean;
}

/** What an embedding app holds (src/index.ts): the node only through its facade. */
export interface LiveHub {
  readonly node: LiveFacade;
  readonly registry: HandlerRegistry;
  readonly grafanaScope: GrafanaScope;
  readonly authenticator: Authenticator;
  readonly router: Router;
  readonly upgrades: UpgradeRouter;
  /** What features get when installed (for embedding apps and tests that add features). */
  readonly features: FeatureContext;
  readonly streams: ManagedStreamsFeature;
  readonly dashboards: DashboardsFeature | undefined;
  readonly plugins: PluginsFeature | undefined;
  readonly logger: Logger;
  /** Adds a feature whose start/stop follow the hub's. */
  install(feature: InstalledFeature): void;
  /** Listens; resolves with the bound port. */
  start(): Promise<number>;
  /** Graceful shutdown: clients get 3001 "shutdown", then the listener and engine close. */
  stop(): Promise<void>;
}

/** The hub as this composition root assembled it: the concrete node and the engine too (metrics, whitebox tests). */
export interface AssembledLiveHub extends LiveHub {
  readonly node: LiveNode;
  readonly engine: Engine;
}

/** The [log] settings of a logger built for this configuration. */
export function loggerOptions(config: LiveHubConfig): LoggerOptions {
  return { repeatIntervalMs: config.log.repeatIntervalMs, maxValueLength: config.log.maxValueLength };
}

export function createLiveHub(options: LiveHubOptions): AssembledLiveHub {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log.level, undefined, undefined, loggerOptions(config));
  const nodeId = options.nodeId ?? randomUUID();
  const engine: Engine = createEngine(config, { id: nodeId, name: hostname(), version: VERSION }, logger.child('engine'));
  const registry = new HandlerRegistry();
  const node = new LiveNode(
    {
      nodeId,
      version: VERSION,
      maxConnections: config.live.maxConnections,
      clientQueueMaxSize: config.live.clientQueueMaxSize,
      historySize: config.live.historySize,
      historyTtlSeconds: config.live.historyTtlSeconds,
      pingIntervalMs: config.live.pingIntervalSeconds * 1000,
      pongTimeoutMs: config.live.pongTimeoutSeconds * 1000,
      connectTimeoutMs: config.live.connectTimeoutSeconds * 1000,
      maxUnauthenticatedConnections: resolveUnauthenticatedLimit(config.live.maxUnauthenticatedConnections, config.live.maxConnections),
      maxUnauthenticatedPerAddress: config.live.maxUnauthenticatedConnectionsPerIp,
      tenantForm: config.live.namespaced ? 'namespace' : 'numeric',
      joinLeaveMaxSubscribers: config.live.joinLeaveMaxSubscribers,
    },
    engine,
    registry,
    logger.child('node'),
  );
  const grafanaScope = new GrafanaScope(registry);
  registerBroadcast(grafanaScope, node);

  const authenticator = new Authenticator(config, { log: logger.child('auth') });
  // A deleted or changed API token ends the sessions and push sockets using it, on every node.
  const tokenStore = authenticator.tokenStore;
  const revocations = new CredentialRevocations(node, () => tokenStore.checkNow());
  tokenStore.onChange((change) => revocations.noticed(change));
  const origins = new OriginChecker({ rootUrl: config.server.rootUrl, allowedOrigins: config.live.allowedOrigins, requireOrigin: config.live.strictOrigin });
  const liveOptions: LiveEndpointOptions = {
    messageSizeLimit: config.live.messageSizeLimit,
    commandRate: { ratePerSecond: config.live.clientCommandRate, burst: config.live.clientCommandBurst },
    maxJsonDepth: config.server.maxJsonDepth,
  };
  const admission = new LiveRequestAdmission(node, authenticator, origins);
  const liveWs = new LiveWebSocketEndpoint(node, authenticator, admission, liveOptions);
  const emulationSessions = new EmulationSessions();
  const liveStreams = new LiveStreamEndpoint(node, authenticator, admission, emulationSessions, liveOptions);
  const emulation = new EmulationEndpoint(node, emulationSessions, authenticator, origins, {
    messageSizeLimit: config.live.messageSizeLimit,
    maxForwards: config.live.emulationMaxForwards,
  });
  const transports = new Set<LiveTransport>(config.live.transports);

  const httpLog = logger.child('http');
  const router = new Router(httpLog);
  const guard = new RequestGuard(new CsrfPolicy(config.security, config.server.rootUrl), authenticator, httpLog);
  router.useGuard(guard);
  const rateLimiter = new HttpRateLimiter(config.httpRateLimit, httpLog);
  const upgrades = new UpgradeRouter();
  if (transports.has('websocket')) upgrades.add('/api/live/ws', (req, socket, head) => liveWs.handleUpgrade(req, socket, head));
  // centrifuge-js's fallbacks (docs/reverse-proxy.md): JSON or protobuf bodies only, never a type a form can send.
  const streamBodies = { bodyTypes: ['application/json', 'application/octet-stream'] };
  const preflight = ({ req, res }: { req: IncomingMessage; res: ServerResponse }): void => answerPreflight(req, res, origins);
  if (transports.has('http_stream')) {
    router.add('POST', '/api/live/http_stream', liveStreams.httpStream, streamBodies);
    router.add('OPTIONS', '/api/live/http_stream', preflight);
  }
  if (transports.has('sse')) router.add('GET', '/api/live/sse', liveStreams.sse);
  if (transports.has('http_stream') || transports.has('sse')) {
    router.add('POST', '/api/live/emulation', emulation.route, streamBodies);
    router.add('OPTIONS', '/api/live/emulation', preflight);
  }
  const features: FeatureContext = { config, node, registry, grafanaScope, router, auth: authenticator, rateLimiter, log: logger };
  const streams = installManagedStreams(features);
  // The push WebSocket is an edge: it owns the sockets and hands each batch to the streams feature.
  const pushSocket = new PushWebSocketEndpoint(node, streams.service, authenticator, origins, logger.child('streams'));
  upgrades.add('/api/live/push/:streamId', (req, socket, head, params) => pushSocket.handleUpgrade(req, socket, head, params['streamId'] ?? ''));
  const builtins = options.installBuiltins ?? true;
  const dashboards = builtins ? installDashboards(features) : undefined;
  const plugins = builtins ? installPlugins(features) : undefined;
  if (plugins !== undefined) streams.addListProvider(() => testDataChannels());
  const installed: InstalledFeature[] = [streams];
  const metrics = createMetricsRegistry({
    node,
    push: () => streams.service.counters,
    http: { guard: guard.counters, rateLimiter, log: logger },
    managedStreams: () => ({ ...streams.registry.size(), evictions: streams.registry.counters.evictions }),
    ...(plugins !== undefined ? { runStreams: () => plugins.runs.size } : {}),
    ...(engine instanceof RedisEngine ? { engineCounters: () => ({ ...(engine as RedisEngine).counters }) } : {}),
    ...(authenticator.remoteJwks !== undefined ? { jwks: authenticator.remoteJwks } : {}),
    ...(engine instanceof MemoryEngine ? { engineStorage: () => (engine as MemoryEngine).retention.stats() } : {}),
    emulation: emulation.counters,
  });
  router.add('GET', '/metrics', metricsRoute(metrics));
  router.add('GET', '/api/live/cluster', clusterRoute(node, authenticator));
  if (dashboards !== undefined) installed.push(dashboards);
  if (plugins !== undefined) installed.push(plugins);
  installConsole(router, { version: VERSION });
  router.add('GET', '/api/health', healthRoute(node));
  router.add('POST', '/api/live/publish', publishRoute(node, authenticator, { limiter: rateLimiter, maxJsonDepth: config.server.maxJsonDepth }), { jsonBody: true });
  router.add('GET', '/api/live/ws', ({ res }) =>
    sendMessage(res, 400, "WebSocket endpoint: the request has no 'Upgrade: websocket' header (check the reverse proxy forwards Upgrade and Connection headers)"),
  );

  const readTimeoutMs = config.server.readTimeoutMs;
  // Node wants headersTimeout <= requestTimeout; read_timeout 0 keeps Node's request timeout default.
  const headersTimeoutMs = readTimeoutMs > 0 ? Math.min(config.server.headersTimeoutMs, readTimeoutMs) : config.server.headersTimeoutMs;
  const server: Server = createServer({
    requestTimeout: readTimeoutMs,
    headersTimeout: headersTimeoutMs,
    // How often Node looks for connections over those timeouts (its default, 30 s, lets a slowloris
    // client hold a socket far longer than configured).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
  }, (req, res) => {
    void router.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => upgrades.handle(req, socket, head));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
      : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });

  let started = false;
  return {
    node,
    engine,
    registry,
    grafanaScope,
    authenticator,
    router,
    upgrades,
    features,
    streams,
    dashboards,
    plugins,
    logger,
    install: (feature) => installed.push(feature),
    async start(): Promise<number> {
      await node.start();
      // The first JWT should not wait for the identity provider; a failure is logged and retried on demand.
      void authenticator.prefetchKeys();
      tokenStore.watch();
      for (const feature of installed) await feature.start?.();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.server.httpPort, config.server.httpAddr === '' ? undefined : config.server.httpAddr, () => {
          server.off('error', reject);
          resolve();
        });
      });
      started = true;
      const port = (server.address() as AddressInfo).port;
      if (config.live.maxConnections === 0) logger.warn('Live is disabled ([live] max_connections = 0)');
      logger.info('HTTP Server Listen', { address: `${config.server.httpAddr || '0.0.0.0'}:${port}`, engine: engine.kind, nodeId, version: VERSION });
      return port;
    },
    async stop(): Promise<void> {
      tokenStore.stopWatching();
      await node.shutdown(Disconnects.shutdown.code, Disconnects.shutdown.reason);
      liveWs.close();
      pushSocket.close();
      rateLimiter.stop();
      for (const feature of installed) await feature.stop?.();
      if (!started) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
