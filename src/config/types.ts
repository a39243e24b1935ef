// The resolved, validated configuration every other module reads. Produced by config/load.ts from
// defaults < INI file < GF_* environment variables. Keys follow Grafana's names where Grafana has them.

import type { OrgRole } from '../roles/org-role.js';

export interface ServerConfig {
  /** [server] http_addr: listen address ("" = all interfaces). */
  httpAddr: string;
  /** [server] http_port (default 3000). */
  httpPort: number;
  /** [server] root_url: origin baseline for the WebSocket origin check. */
  rootUrl: string;
  /** [server] read_timeout in ms (slow HTTP clients; 0 = Node default). livehub: header/body timeout. */
  readTimeoutMs: number;
  /** livehub: [server] headers_timeout in ms: request headers (and WebSocket upgrades) must arrive within it. */
  headersTimeoutMs: number;
  /** livehub: [server] max_json_depth: deeper JSON bodies and published data are a 400. */
  maxJsonDepth: number;
}

export interface SecurityConfig {
  /** [security] csrf_trusted_origins: host names whose Origin passes the CSRF check. */
  csrfTrustedOrigins: string[];
  /** [security] csrf_additional_headers: headers whose host value is trusted as an Origin (e.g. X-Forwarded-Host). */
  csrfAdditionalHeaders: string[];
  /** [security] csrf_always_check: check requests with explicit credentials too, not only anonymous ones. */
  csrfAlwaysCheck: boolean;
}

/** A token bucket: `perSecond` refills a bucket of `burst`; perSecond 0 = unlimited. */
export interface RateConfig {
  perSecond: number;
  burst: number;
}

export interface HttpRateLimitConfig {
  /** livehub: [http_rate_limit] requests of one identity (API token or user) per route group. */
  requests: RateConfig;
  /** livehub: [http_rate_limit] body bytes of one identity per route group. */
  bytes: RateConfig;
  /** livehub: [http_rate_limit] requests of anonymous callers, per client address. */
  anonymousRequests: RateConfig;
  /** livehub: [http_rate_limit] body bytes of anonymous callers, per client address. */
  anonymousBytes: RateConfig;
  /** livehub: [http_rate_limit] max_keys: buckets kept at once; the least recently used go first. */
  maxKeys: number;
}

/** A limit written as a number of connections or as a share of `max_connections` ("90%"). */
export type UnauthenticatedLimit = { readonly count: number } | { readonly percent: number };

/** A Live transport centrifuge-js can use (`[live] transports`). */
export type LiveTransport = 'websocket' | 'http_stream' | 'sse';

export interface LiveConfig {
  /** [live] max_connections: per node; -1 unlimited; 0 disables Live. */
  maxConnections: number;
  /** [live] allowed_origins: comma-separated globs, "*" = any. */
  allowedOrigins: string[];
  /** [live] message_size_limit: max inbound WS message in bytes; -1 unlimited. */
  messageSizeLimit: number;
  /** [live] client_queue_max_size: per-connection outbound queue in bytes. */
  clientQueueMaxSize: number;
  /** [live] ha_engine: "" (memory) or "redis". */
  haEngine: '' | 'redis';
  /** [live] ha_engine_address: host:port or redis:// / rediss:// URL. */
  haEngineAddress: string;
  /** [live] ha_engine_password. */
  haEnginePassword: string;
  /** [live] ha_prefix: Redis names live under "<ha_prefix>.gf_live" (or "gf_live"). */
  haPrefix: string;
  /** livehub: [live] ha_engine_required: fail start-up when Redis is unreachable (default: start and retry). */
  haEngineRequired: boolean;
  /** livehub: [live] ha_engine_wait_replicas: replicas a history publish must reach (Redis WAIT) before it is acknowledged; 0 = off. */
  haEngineWaitReplicas: number;
  /** livehub: [live] ha_engine_wait_timeout in ms: bound of that WAIT (then a temporary error). */
  haEngineWaitTimeoutMs: number;
  /** livehub: [live] ha_sentinel_master_name: treat a plain host list in ha_engine_address as Sentinels of this master. */
  haSentinelMasterName: string;
  /** livehub: [live] ha_sentinel_password: AUTH password of the Sentinels. */
  haSentinelPassword: string;
  /** livehub: history entries kept per recoverable channel (0 disables history and recovery). */
  historySize: number;
  /** livehub: history retention in seconds. */
  historyTtlSeconds: number;
  /** livehub: [live] memory_engine_budget: bytes of stored data the memory engine keeps before evicting the oldest. */
  memoryEngineBudget: number;
  /** livehub: [live] frame_cache_ttl: memory engine idle TTL of a managed stream's cached frame, in seconds. */
  frameCacheTtlSeconds: number;
  /** livehub: [live] transports: the Live transports served (websocket, http_stream, sse). */
  transports: LiveTransport[];
  /** livehub: [live] emulation_max_forwards: emulation requests of a node waiting for other nodes at once. */
  emulationMaxForwards: number;
  /** livehub: [live] join_leave_max_subscribers: above this many local subscribers a channel pushes no join/leave; -1 = no limit. */
  joinLeaveMaxSubscribers: number;
  /** livehub: server ping interval in seconds (Centrifuge default 25). */
  pingIntervalSeconds: number;
  /** livehub: how long to wait for a pong in seconds (default 10) before closing 3012. */
  pongTimeoutSeconds: number;
  /** livehub: close connections that sent no connect within this time (3502). */
  connectTimeoutSeconds: number;
  /** livehub: [live] max_unauthenticated_connections: sockets without a credential per node, a count (-1 = no cap) or a share of max_connections. */
  maxUnauthenticatedConnections: UnauthenticatedLimit;
  /** livehub: [live] max_unauthenticated_connections_per_ip: credential-less sockets not yet connected, per client address; -1 = no cap. */
  maxUnauthenticatedConnectionsPerIp: number;
  /** livehub: HTTP push body limit in bytes (after gzip decoding). */
  pushBodyLimit: number;
  /** livehub: [live] push_max_rows: lines per push (HTTP or WebSocket); more → 413. */
  pushMaxRows: number;
  /** livehub: [live] push_max_frame_fields: fields per frame of a push; more → 400. */
  pushMaxFrameFields: number;
  /** livehub: [live] push_max_values: tag/field pairs and frame cells per push; more → 413. */
  pushMaxValues: number;
  /** livehub: [live] max_managed_streams_per_org: stream ids per org on this node; more → 403. */
  maxManagedStreamsPerOrg: number;
  /** livehub: [live] max_managed_channels_per_org: stream channels per org on this node; more → 403. */
  maxManagedChannelsPerOrg: number;
  /** livehub: [live] managed_stream_idle_timeout in ms: idle channels leave the registry; 0 = never. */
  managedStreamIdleTimeoutMs: number;
  /** livehub: [live] list_max_page_size: channels per /api/live/list answer (default and max `limit`). */
  listMaxPageSize: number;
  /** livehub: [live] list_max_response_bytes: byte budget of one /api/live/list answer (and of each node's part). */
  listMaxResponseBytes: number;
  /** livehub: [live] client_command_rate: commands per second per connection (token bucket); 0 = unlimited. */
  clientCommandRate: number;
  /** livehub: [live] client_command_burst: token bucket size of the command rate limit. */
  clientCommandBurst: number;
  /** livehub: [live] strict_origin: reject Origin-less WebSocket upgrades without an explicit credential. */
  strictOrigin: boolean;
  /** livehub: emit namespace tenant prefixes ("default", "org-N") instead of numeric org ids. */
  namespaced: boolean;
  /** livehub: stream-plugin module files (default export: a plugin or an array of plugins). */
  pluginPaths: string[];
  /** livehub: Grafana data-source provisioning files or directories (YAML subset or JSON). */
  datasourceProvisioning: string[];
}

export interface AnonymousAuthConfig {
  /** [auth.anonymous] enabled (livehub default true so the quick start works). */
  enabled: boolean;
  /** [auth.anonymous] org_id. */
  orgId: number;
  /** [auth.anonymous] org_role. */
  orgRole: OrgRole;
}

export interface JwtAuthConfig {
  /** [auth.jwt] enabled. */
  enabled: boolean;
  /** [auth.jwt] header_name (default "Authorization"; a "Bearer " prefix is stripped). */
  headerName: string;
  /** [auth.jwt] url_login: also accept the token from the auth_token query parameter. */
  urlLogin: boolean;
  /** [auth.jwt] key_file: PEM public key (RS256/ES256). */
  keyFile: string;
  /** [auth.jwt] key_value: the same as key_file, base64-encoded inline. */
  keyValue: string;
  /** [auth.jwt] key_id: the `kid` of the key_file / key_value key. */
  keyId: string;
  /** [auth.jwt] jwk_set_file: JWKS JSON file (RS256/ES256). */
  jwkSetFile: string;
  /** [auth.jwt] jwk_set_value: the same as jwk_set_file, base64-encoded inline. */
  jwkSetValue: string;
  /** [auth.jwt] jwk_set_url: JWKS endpoint (https, or http on a loopback address). */
  jwkSetUrl: string;
  /** [auth.jwt] jwk_set_bearer_token_file: sent as `Authorization: Bearer` to jwk_set_url (re-read per fetch). */
  jwkSetBearerTokenFile: string;
  /** [auth.jwt] cache_ttl in ms (default 60 min; 0 = no caching); a shorter Cache-Control max-age wins. */
  cacheTtlMs: number;
  /** [auth.jwt] tls_client_ca: PEM CA bundle trusted for jwk_set_url. */
  tlsClientCa: string;
  /** [auth.jwt] tls_skip_verify_insecure: do not verify the jwk_set_url certificate. */
  tlsSkipVerifyInsecure: boolean;
  /** livehub: [auth.jwt] jwk_set_timeout in ms: one JWKS request, connect to last byte. */
  jwkSetTimeoutMs: number;
  /** livehub: [auth.jwt] jwk_set_max_bytes: largest JWKS response body. */
  jwkSetMaxBytes: number;
  /** livehub: [auth.jwt] jwk_set_refetch_cooldown in ms: least time between two fetches not due to cache_ttl. */
  jwkSetRefetchCooldownMs: number;
  /** livehub: [auth.jwt] hmac_secret for HS256 tokens. */
  hmacSecret: string;
  /** [auth.jwt] username_claim: claim holding the login. */
  usernameClaim: string;
  /** livehub: [auth.jwt] login_claim, alias of username_claim (default empty: `sub` when nothing else names the login). */
  loginClaim: string;
  /** [auth.jwt] username_attribute_path: JMESPath to the login, when username_claim is empty. */
  usernameAttributePath: string;
  /** [auth.jwt] email_claim: claim holding the e-mail (the login when no username is found). */
  emailClaim: string;
  /** [auth.jwt] email_attribute_path: JMESPath to the e-mail, when email_claim is empty. */
  emailAttributePath: string;
  /** [auth.jwt] name_attribute_path: JMESPath to the display name (default: the `name` claim). */
  nameAttributePath: string;
  /** livehub: [auth.jwt] org_id_claim (default "org_id"); missing claim = [auth.jwt] default_org_id. */
  orgIdClaim: string;
  /** livehub: [auth.jwt] default_org_id (default 1). */
  defaultOrgId: number;
  /** livehub: [auth.jwt] role_claim (default "role"); missing = Viewer. Used when role_attribute_path is empty. */
  roleClaim: string;
  /** [auth.jwt] role_attribute_path: JMESPath returning None/Viewer/Editor/Admin/GrafanaAdmin. */
  roleAttributePath: string;
  /** [auth.jwt] role_attribute_strict: refuse tokens that yield no valid role. */
  roleAttributeStrict: boolean;
  /** [auth.jwt] org_attribute_path: JMESPath to the user's external orgs/groups (for org_mapping). */
  orgAttributePath: string;
  /** [auth.jwt] org_mapping: `external:org:role` entries (Grafana's splitting: spaces/commas or a JSON array). */
  orgMapping: string[];
  /** [auth.jwt] groups_attribute_path: team sync in Grafana; validated, not applicable to livehub. */
  groupsAttributePath: string;
  /** [auth.jwt] allow_assign_grafana_admin: livehub has no server admin; GrafanaAdmin always maps to Admin. */
  allowAssignGrafanaAdmin: boolean;
  /** [auth.jwt] skip_org_role_sync: take no role or org from the token (Viewer of default_org_id). */
  skipOrgRoleSync: boolean;
  /** [auth.jwt] auto_sign_up: livehub has no user accounts; every verified token is accepted. */
  autoSignUp: boolean;
  /** [auth.jwt] enable_login_token: Grafana login cookie; not applicable to livehub. */
  enableLoginToken: boolean;
  /** [auth.jwt] signout_redirect_url: Grafana UI; not applicable to livehub. */
  signoutRedirectUrl: string;
  /** [auth.jwt] expect_claims: JSON object of claims that must match exactly (e.g. iss, aud). */
  expectClaims: Record<string, unknown>;
}

export interface ApiTokenConfig {
  /** livehub: [auth.api_tokens] file holding service-account tokens (hashed). */
  file: string;
}

export interface PathsConfig {
  /** [paths] data: data directory (tokens, databases). */
  data: string;
}

export interface DatabaseConfig {
  /** [database] type: sqlite3 (embedded file) or postgres. */
  type: 'sqlite3' | 'postgres';
  /** [database] host: PostgreSQL "host:port" (or a Unix socket directory). */
  host: string;
  /** [database] name: PostgreSQL database name. */
  name: string;
  /** [database] user. */
  user: string;
  /** [database] password. */
  password: string;
  /** [database] ssl_mode: disable | require | verify-ca | verify-full. */
  sslMode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** [database] path: SQLite file; relative paths are inside [paths] data. */
  path: string;
}

export interface LogConfig {
  /** [log] level: debug | info | warn | error. */
  level: 'debug' | 'info' | 'warn' | 'error';
  /** livehub: [log] repeat_interval in ms: a repeated warning caused by clients is logged once per interval, with a count. */
  repeatIntervalMs: number;
  /** livehub: [log] max_value_length: longer string values in log lines are cut. */
  maxValueLength: number;
}

export interface LiveHubConfig {
  server: ServerConfig;
  live: LiveConfig;
  security: SecurityConfig;
  httpRateLimit: HttpRateLimitConfig;
  anonymous: AnonymousAuthConfig;
  jwt: JwtAuthConfig;
  apiTokens: ApiTokenConfig;
  paths: PathsConfig;
  database: DatabaseConfig;
  log: LogConfig;
}
