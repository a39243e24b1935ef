// The resolved, validated configuration every other module reads. Produced by config/load.ts from
// defaults < INI file < GF_* environment variables. Keys follow Grafana's names where Grafana has them.

import type { OrgRole } from '../auth/identity.js';

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
}

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
  /** livehub: [live] ha_sentinel_master_name: treat a plain host list in ha_engine_address as Sentinels of this master. */
  haSentinelMasterName: string;
  /** livehub: [live] ha_sentinel_password: AUTH password of the Sentinels. */
  haSentinelPassword: string;
  /** livehub: history entries kept per recoverable channel (0 disables history and recovery). */
  historySize: number;
  /** livehub: history retention in seconds. */
  historyTtlSeconds: number;
  /** livehub: server ping interval in seconds (Centrifuge default 25). */
  pingIntervalSeconds: number;
  /** livehub: how long to wait for a pong in seconds (default 10) before closing 3012. */
  pongTimeoutSeconds: number;
  /** livehub: close connections that sent no connect within this time (3502). */
  connectTimeoutSeconds: number;
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
  /** [auth.jwt] jwk_set_file: JWKS JSON file (RS256/ES256). */
  jwkSetFile: string;
  /** livehub: [auth.jwt] hmac_secret for HS256 tokens. */
  hmacSecret: string;
  /** [auth.jwt] login_claim (default "sub"). */
  loginClaim: string;
  /** livehub: [auth.jwt] org_id_claim (default "org_id"); missing claim = [auth.jwt] default_org_id. */
  orgIdClaim: string;
  /** livehub: [auth.jwt] default_org_id (default 1). */
  defaultOrgId: number;
  /** livehub: [auth.jwt] role_claim (default "role"); missing = Viewer. */
  roleClaim: string;
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
}

export interface LiveHubConfig {
  server: ServerConfig;
  live: LiveConfig;
  anonymous: AnonymousAuthConfig;
  jwt: JwtAuthConfig;
  apiTokens: ApiTokenConfig;
  paths: PathsConfig;
  database: DatabaseConfig;
  log: LogConfig;
}
