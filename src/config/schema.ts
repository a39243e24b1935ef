// The declarative table of every configuration key livehub knows: section, key, type, default
// (as INI text), env var, meaning, validation and where the value lands in LiveHubConfig.
// The loader, the docs generator and the tests all enumerate this one table.

import { parseOrgRole, ORG_ROLES } from '../auth/identity.js';
import { ValueProblem } from './errors.js';
import { compileGlob } from './glob.js';
import type { LiveHubConfig, LogConfig } from './types.js';
import { parseBoolean, parseBytes, parseDurationMs, parseInteger, parseJsonObject, parseList } from './values.js';

export type ValueType = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'duration' | 'json' | 'bytes';

export interface ConfigKey {
  readonly section: string;
  readonly key: string;
  readonly type: ValueType;
  /** Default exactly as it would be written in an INI file; parsed by the same code as any value. */
  readonly default: string;
  /** `GF_<SECTION>_<KEY>`, upper case, dots and dashes as `_`. */
  readonly envVar: string;
  /** One or two sentences for docs/configuration.md. */
  readonly description: string;
  /** Allowed values of an enum key. */
  readonly choices?: readonly string[];
  /** Values of secret keys are never echoed in errors. */
  readonly secret: boolean;
  /** Parses the (expanded) raw value and stores it; throws ValueProblem when it is invalid. */
  apply(config: LiveHubConfig, raw: string): void;
}

interface KeySpec<T> {
  section: string;
  key: string;
  type: ValueType;
  default: string;
  description: string;
  choices?: readonly string[];
  secret?: boolean;
  parse(raw: string): T;
  set(config: LiveHubConfig, value: T): void;
}

/** Env var name for a key, Grafana's rule: `GF_` + SECTION + `_` + KEY, `.` and `-` become `_`. */
export function envVarName(section: string, key: string): string {
  return `GF_${envPart(section)}_${envPart(key)}`;
}

export function envPart(name: string): string {
  return name.toUpperCase().replace(/[.-]/g, '_');
}

// Types whose empty value has no meaning of its own: `max_connections =` (as Grafana's defaults.ini
// and docker-compose files often write) means "use the default", like Grafana's MustInt(default).
const EMPTY_MEANS_DEFAULT: ReadonlySet<ValueType> = new Set(['int', 'bool', 'duration', 'bytes', 'json']);

function defineKey<T>(spec: KeySpec<T>): ConfigKey {
  const emptyMeansDefault = EMPTY_MEANS_DEFAULT.has(spec.type) || (spec.type === 'enum' && !spec.choices?.includes(''));
  return {
    section: spec.section,
    key: spec.key,
    type: spec.type,
    default: spec.default,
    envVar: envVarName(spec.section, spec.key),
    description: spec.description,
    choices: spec.choices,
    secret: spec.secret ?? false,
    apply(config, raw) {
      const effective = raw === '' && emptyMeansDefault ? spec.default : raw;
      spec.set(config, spec.parse(effective));
    },
  };
}

// ---- validation helpers -------------------------------------------------------------------------

function inRange(n: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (n < min || n > max) {
    throw new ValueProblem(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`);
  }
  return n;
}

/** Grafana's wording for out-of-range [live] numbers, with the offending value (Grafana printed another key's). */
function liveAtLeast(key: string, min: number): (n: number) => number {
  return (n) => {
    if (n < min) throw new ValueProblem(`unexpected value ${n} for [live] ${key}`, true);
    return n;
  };
}

function wholeSeconds(ms: number, minSeconds: number): number {
  if (ms % 1000 !== 0) throw new ValueProblem('must be a whole number of seconds');
  return inRange(ms / 1000, minSeconds);
}

function nonEmpty(text: string): string {
  if (text === '') throw new ValueProblem('must not be empty');
  return text;
}

function port(text: string): number {
  const n = parseInteger(text);
  if (n < 0 || n > 65535) throw new ValueProblem('must be a port number between 1 and 65535 (0 picks a free port)');
  return n;
}

function rootUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValueProblem('must be an absolute URL such as http://localhost:3000/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValueProblem('must be an http:// or https:// URL');
  // Grafana appends the trailing slash too; origin checks and the frontend expect it.
  return text.endsWith('/') ? text : `${text}/`;
}

function originGlobs(text: string): string[] {
  const items = parseList(text);
  for (const item of items) {
    try {
      compileGlob(item);
    } catch (err) {
      throw new ValueProblem(`origin pattern ${JSON.stringify(item)} is not a valid glob: ${(err as Error).message}`);
    }
  }
  return items;
}

function haEngine(text: string): '' | 'redis' {
  if (text === '' || text === 'redis') return text;
  throw new ValueProblem(`unsupported live HA engine type: ${text}`, true);
}

function orgRole(text: string) {
  const role = parseOrgRole(text);
  if (!role) throw new ValueProblem(`must be one of ${ORG_ROLES.join(', ')}`);
  return role;
}

const LOG_LEVELS: Record<string, LogConfig['level']> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  // Grafana's top level; livehub has nothing above error.
  critical: 'error',
};

function logLevel(text: string): LogConfig['level'] {
  const level = LOG_LEVELS[text.toLowerCase()];
  if (!level) throw new ValueProblem('must be one of debug, info, warn, error');
  return level;
}

function httpHeaderName(text: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text)) throw new ValueProblem('must be an HTTP header name');
  return text;
}

function hmacSecret(text: string): string {
  // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output; short secrets are brute-forceable.
  if (text !== '' && Buffer.byteLength(text, 'utf8') < 32) throw new ValueProblem('must be at least 32 bytes long');
  return text;
}

const identity = (text: string): string => text;

function pluginModules(text: string): string[] {
  const items = parseList(text);
  for (const item of items) {
    if (!/\.(?:js|mjs|cjs)$/.test(item)) throw new ValueProblem(`plugin module ${JSON.stringify(item)} must be a JavaScript file (.js, .mjs or .cjs)`);
  }
  return items;
}

function provisioningPaths(text: string): string[] {
  const items = parseList(text);
  for (const item of items) {
    // A directory (no extension) or a provisioning file; anything else is almost always a wrong path.
    const base = item.split(/[\\/]/).pop() ?? '';
    if (base.includes('.') && !/\.(?:ya?ml|json)$/i.test(base)) {
      throw new ValueProblem(`${JSON.stringify(item)} must be a directory or a .yaml, .yml or .json provisioning file`);
    }
  }
  return items;
}

const DATABASE_TYPES = ['sqlite3', 'postgres'] as const;

function databaseType(text: string): (typeof DATABASE_TYPES)[number] {
  const found = DATABASE_TYPES.find((t) => t === text);
  if (found === undefined) throw new ValueProblem(`must be sqlite3 or postgres (livehub supports no other database type)`);
  return found;
}

/** PostgreSQL "host", "host:port", "[v6]:port" or a Unix socket directory, as Grafana accepts. */
function databaseHost(text: string): string {
  if (text === '') throw new ValueProblem('must not be empty');
  if (text.startsWith('/')) return text;
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::([^:]*))?$/.exec(text);
  if (m === null) throw new ValueProblem('must be host or host:port');
  if (m[2] !== undefined && (!/^[0-9]{1,5}$/.test(m[2]) || Number(m[2]) < 1 || Number(m[2]) > 65535)) {
    throw new ValueProblem('port must be a number between 1 and 65535');
  }
  return text;
}

const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

function sslMode(text: string): (typeof SSL_MODES)[number] {
  const found = SSL_MODES.find((m) => m === text);
  if (found === undefined) throw new ValueProblem(`must be one of ${SSL_MODES.join(', ')}`);
  return found;
}

// ---- the table ----------------------------------------------------------------------------------

export const CONFIG_KEYS: readonly ConfigKey[] = [
  // [server]
  defineKey({
    section: 'server', key: 'http_addr', type: 'string', default: '',
    description: 'Address to listen on; empty means all interfaces.',
    parse: identity, set: (c, v) => { c.server.httpAddr = v; },
  }),
  defineKey({
    section: 'server', key: 'http_port', type: 'int', default: '3000',
    description: 'TCP port of the HTTP and WebSocket server, 1–65535; 0 picks a free port (tests).',
    parse: port, set: (c, v) => { c.server.httpPort = v; },
  }),
  defineKey({
    section: 'server', key: 'root_url', type: 'string', default: 'http://localhost:3000/',
    description: 'Public URL of the server; baseline of the WebSocket origin check. A trailing `/` is added when missing.',
    parse: rootUrl, set: (c, v) => { c.server.rootUrl = v; },
  }),
  defineKey({
    section: 'server', key: 'read_timeout', type: 'duration', default: '30',
    description: 'Time allowed for a client to send request headers and body (seconds, or `30s`, `2m`); 0 keeps Node\'s default.',
    parse: (raw) => inRange(parseDurationMs(raw), 0), set: (c, v) => { c.server.readTimeoutMs = v; },
  }),
  defineKey({
    section: 'server', key: 'headers_timeout', type: 'duration', default: '10',
    description: 'livehub: time allowed for a client to send the request headers, WebSocket upgrades included (seconds, or `500ms`, `10s`); a client that drips its headers (slowloris) is cut. Capped by `read_timeout` when that is set.',
    parse: (raw) => inRange(parseDurationMs(raw), 1), set: (c, v) => { c.server.headersTimeoutMs = v; },
  }),

  // [live]
  defineKey({
    section: 'live', key: 'max_connections', type: 'int', default: '100',
    description: 'Maximum WebSocket connections per node; -1 unlimited; 0 disables Live entirely. Excess connections are closed with 3504.',
    parse: (raw) => liveAtLeast('max_connections', -1)(parseInteger(raw)), set: (c, v) => { c.live.maxConnections = v; },
  }),
  defineKey({
    section: 'live', key: 'allowed_origins', type: 'list', default: '',
    description: 'Comma-separated origin globs (e.g. `https://*.example.com`) accepted in addition to the request host and `root_url`; `*` allows any origin.',
    parse: originGlobs, set: (c, v) => { c.live.allowedOrigins = v; },
  }),
  defineKey({
    section: 'live', key: 'message_size_limit', type: 'bytes', default: '65536',
    description: 'Largest inbound message on /api/live/ws in bytes; -1 unlimited. Bigger messages close the socket with 1009.',
    parse: (raw) => liveAtLeast('message_size_limit', -1)(parseBytes(raw)), set: (c, v) => { c.live.messageSizeLimit = v; },
  }),
  defineKey({
    section: 'live', key: 'client_queue_max_size', type: 'bytes', default: '4194304',
    description: 'Per-connection outbound queue in bytes; a client that falls further behind is closed with 3008 "slow".',
    parse: (raw) => liveAtLeast('client_queue_max_size', 1)(parseBytes(raw)), set: (c, v) => { c.live.clientQueueMaxSize = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_engine', type: 'enum', default: '', choices: ['', 'redis'],
    description: 'Empty for the single-node in-memory engine, `redis` to share Live state between nodes.',
    parse: haEngine, set: (c, v) => { c.live.haEngine = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_engine_address', type: 'string', default: '127.0.0.1:6379',
    description: 'Redis address: `host:port`, `redis://`, `rediss://`, `redis+sentinel://…`, or a comma-separated list of addresses sharded by channel (see docs/ha.md).',
    parse: nonEmpty, set: (c, v) => { c.live.haEngineAddress = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_engine_password', type: 'string', default: '', secret: true,
    description: 'Redis AUTH password.',
    parse: identity, set: (c, v) => { c.live.haEnginePassword = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_prefix', type: 'string', default: '',
    description: 'Prefix of Redis keys and channels: they become `<ha_prefix>.gf_live…` (or `gf_live…` when empty).',
    parse: identity, set: (c, v) => { c.live.haPrefix = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_engine_required', type: 'bool', default: 'false',
    description: 'livehub: fail start-up when Redis cannot be reached. Off: the node starts, reports not ready and keeps retrying.',
    parse: parseBoolean, set: (c, v) => { c.live.haEngineRequired = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_sentinel_master_name', type: 'string', default: '',
    description: 'livehub: Sentinel master group name; with it, a plain `host:port` list in `ha_engine_address` names the Sentinels (same as `redis+sentinel://…?sentinel_master_name=`).',
    parse: identity, set: (c, v) => { c.live.haSentinelMasterName = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_sentinel_password', type: 'string', default: '', secret: true,
    description: 'livehub: AUTH password of the Sentinels (the `sentinel_password` URL parameter wins).',
    parse: identity, set: (c, v) => { c.live.haSentinelPassword = v; },
  }),
  defineKey({
    section: 'live', key: 'history_size', type: 'int', default: '100',
    description: 'livehub: publications kept per recoverable channel for recovery after reconnects; 0 disables history.',
    parse: (raw) => inRange(parseInteger(raw), 0), set: (c, v) => { c.live.historySize = v; },
  }),
  defineKey({
    section: 'live', key: 'history_ttl', type: 'duration', default: '300',
    description: 'livehub: how long history is kept (whole seconds, or `5m`).',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 1), set: (c, v) => { c.live.historyTtlSeconds = v; },
  }),
  defineKey({
    section: 'live', key: 'ping_interval', type: 'duration', default: '25',
    description: 'livehub: interval of server pings (whole seconds); sent to clients in the connect reply.',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 1), set: (c, v) => { c.live.pingIntervalSeconds = v; },
  }),
  defineKey({
    section: 'live', key: 'pong_timeout', type: 'duration', default: '10',
    description: 'livehub: how long to wait for a pong after a ping before closing with 3012 (whole seconds).',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 1), set: (c, v) => { c.live.pongTimeoutSeconds = v; },
  }),
  defineKey({
    section: 'live', key: 'connect_timeout', type: 'duration', default: '15',
    description: 'livehub: a WebSocket that has not sent `connect` within this time is closed with 3502 "stale" (whole seconds).',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 1), set: (c, v) => { c.live.connectTimeoutSeconds = v; },
  }),
  defineKey({
    section: 'live', key: 'push_body_limit', type: 'bytes', default: '16777216',
    description: 'livehub: largest HTTP push body in bytes after gzip decoding; larger bodies get 413.',
    parse: (raw) => inRange(parseBytes(raw), 1), set: (c, v) => { c.live.pushBodyLimit = v; },
  }),
  defineKey({
    section: 'live', key: 'push_max_rows', type: 'int', default: '50000',
    description: 'livehub: most lines (frame rows) one push may carry, HTTP or WebSocket; more get 413 and nothing is published. Telegraf writes `metric_batch_size` lines per request (default 1,000): the default leaves room for batches 50 times that.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.pushMaxRows = v; },
  }),
  defineKey({
    section: 'live', key: 'push_max_frame_fields', type: 'int', default: '1000',
    description: 'livehub: most fields one frame of a push may have, `labels` and `time` included (labels_column: distinct field keys of a measurement + 2; wide: the fields of all lines sharing a measurement and timestamp + 1); more get 400 and nothing is published.',
    parse: (raw) => inRange(parseInteger(raw), 3), set: (c, v) => { c.live.pushMaxFrameFields = v; },
  }),
  defineKey({
    section: 'live', key: 'push_max_values', type: 'int', default: '1000000',
    description: 'livehub: most values one push may hold: tag and field pairs of its lines, and cells of its frames (rows × fields per frame, nulls included, summed); more get 413 and nothing is published. Bounds the frame JSON of one push to a few MB.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.pushMaxValues = v; },
  }),
  defineKey({
    section: 'live', key: 'max_managed_streams_per_org', type: 'int', default: '1000',
    description: 'livehub: distinct stream ids (`stream/<id>/…`) one org may push to on this node at a time; a push that would add one more gets 403 "quota reached" and publishes nothing. Streams idle for `managed_stream_idle_timeout` no longer count.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.maxManagedStreamsPerOrg = v; },
  }),
  defineKey({
    section: 'live', key: 'max_managed_channels_per_org', type: 'int', default: '10000',
    description: 'livehub: distinct managed-stream channels (`stream/<id>/<measurement>`) one org may push to on this node at a time; a push that would add one more gets 403 "quota reached" and publishes nothing.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.maxManagedChannelsPerOrg = v; },
  }),
  defineKey({
    section: 'live', key: 'managed_stream_idle_timeout', type: 'duration', default: '1h',
    description: 'livehub: a managed-stream channel that received no push for this long is dropped from this node\'s registry (`/api/live/list`, the per-org quotas) by one shared sweep; 0 keeps channels until restart (Grafana\'s behaviour). Whole seconds, or `30m`, `1h`.',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 0) * 1000, set: (c, v) => { c.live.managedStreamIdleTimeoutMs = v; },
  }),
  defineKey({
    section: 'live', key: 'list_max_page_size', type: 'int', default: '1000',
    description: 'livehub: most channels one `/api/live/list` answer lists (its `limit` parameter defaults to this and may not exceed it); the rest follows with `after=<next>`.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.listMaxPageSize = v; },
  }),
  defineKey({
    section: 'live', key: 'list_max_response_bytes', type: 'bytes', default: '4194304',
    description: 'livehub: byte budget of one `/api/live/list` answer, and of each node\'s share of it in a cluster; a page ends early (with `next`) rather than pass it.',
    parse: (raw) => inRange(parseBytes(raw), 65536), set: (c, v) => { c.live.listMaxResponseBytes = v; },
  }),
  defineKey({
    section: 'live', key: 'client_command_rate', type: 'int', default: '100',
    description: 'livehub: commands per second one WebSocket connection may send on average (a token bucket per connection); 0 disables the limit. A connection over it is closed with 3013 "too many requests" (centrifuge-js reconnects with back-off).',
    parse: (raw) => inRange(parseInteger(raw), 0), set: (c, v) => { c.live.clientCommandRate = v; },
  }),
  defineKey({
    section: 'live', key: 'client_command_burst', type: 'int', default: '200',
    description: 'livehub: commands a connection may send at once above `client_command_rate` (the bucket size). Keep it above the channels a page subscribes to on open (up to 128) plus a few.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.clientCommandBurst = v; },
  }),
  defineKey({
    section: 'live', key: 'strict_origin', type: 'bool', default: 'false',
    description: 'livehub: reject WebSocket upgrades (`/api/live/ws` and the push socket) that carry no `Origin` header with 403, unless they present an explicit credential (`Authorization` header or `auth_token`). Off: Grafana\'s rule, a missing Origin passes.',
    parse: parseBoolean, set: (c, v) => { c.live.strictOrigin = v; },
  }),
  defineKey({
    section: 'live', key: 'namespaced', type: 'bool', default: 'false',
    description: 'livehub: emit namespace tenant prefixes (`default`, `org-<N>`) instead of numeric org ids (Grafana 12.4+ frontends). Both forms are always accepted.',
    parse: parseBoolean, set: (c, v) => { c.live.namespaced = v; },
  }),
  defineKey({
    section: 'live', key: 'plugin_paths', type: 'list', default: '',
    description: 'livehub: comma-separated JavaScript module files whose default export is a stream plugin or an array of stream plugins (channels `plugin/<id>/…` and `ds/<uid>/…`).',
    parse: pluginModules, set: (c, v) => { c.live.pluginPaths = v; },
  }),
  defineKey({
    section: 'live', key: 'datasource_provisioning', type: 'list', default: '',
    description: 'livehub: comma-separated Grafana data-source provisioning files (`.yaml`, `.yml`, `.json`) or directories of them; they define the data sources behind `ds/<uid>/…` channels.',
    parse: provisioningPaths, set: (c, v) => { c.live.datasourceProvisioning = v; },
  }),

  // [auth.anonymous]
  defineKey({
    section: 'auth.anonymous', key: 'enabled', type: 'bool', default: 'true',
    description: 'Requests without credentials act as an anonymous user (livehub defaults to true so the quick start works; Grafana defaults to false).',
    parse: parseBoolean, set: (c, v) => { c.anonymous.enabled = v; },
  }),
  defineKey({
    section: 'auth.anonymous', key: 'org_id', type: 'int', default: '1',
    description: 'Organization of anonymous users (Grafana configures `org_name` instead).',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.anonymous.orgId = v; },
  }),
  defineKey({
    section: 'auth.anonymous', key: 'org_role', type: 'enum', default: 'Viewer', choices: ORG_ROLES,
    description: 'Role of anonymous users: Viewer, Editor or Admin (case-insensitive).',
    parse: orgRole, set: (c, v) => { c.anonymous.orgRole = v; },
  }),

  // [auth.jwt]
  defineKey({
    section: 'auth.jwt', key: 'enabled', type: 'bool', default: 'false',
    description: 'Accept JSON Web Tokens (RS256, ES256, HS256). Needs `key_file`, `jwk_set_file` or `hmac_secret`.',
    parse: parseBoolean, set: (c, v) => { c.jwt.enabled = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'header_name', type: 'string', default: 'Authorization',
    description: 'HTTP header carrying the JWT; a `Bearer ` prefix is stripped. `Authorization: Bearer` is always read as well.',
    parse: (raw) => httpHeaderName(nonEmpty(raw)), set: (c, v) => { c.jwt.headerName = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'url_login', type: 'bool', default: 'false',
    description: 'Grafana compatibility. livehub always accepts a JWT in the `auth_token` query parameter when JWT is enabled, because the Grafana frontend appends it to the WebSocket URL.',
    parse: parseBoolean, set: (c, v) => { c.jwt.urlLogin = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'key_file', type: 'string', default: '',
    description: 'PEM file with the public key(s) or certificate(s) that verify RS256/ES256 tokens.',
    parse: identity, set: (c, v) => { c.jwt.keyFile = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_file', type: 'string', default: '',
    description: 'JWKS file (`{"keys":[…]}`) with RSA/EC public keys; a token\'s `kid` selects the key.',
    parse: identity, set: (c, v) => { c.jwt.jwkSetFile = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'hmac_secret', type: 'string', default: '', secret: true,
    description: 'livehub: shared secret for HS256 tokens, at least 32 bytes (RFC 7518 §3.2). Use `$__file{/run/secrets/…}` to keep it out of the file.',
    parse: hmacSecret, set: (c, v) => { c.jwt.hmacSecret = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'login_claim', type: 'string', default: 'sub',
    description: 'Claim holding the login name (a dotted path such as `user.login` reaches nested claims).',
    parse: nonEmpty, set: (c, v) => { c.jwt.loginClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'org_id_claim', type: 'string', default: 'org_id',
    description: 'livehub: claim holding the numeric organization id (number or numeric string).',
    parse: nonEmpty, set: (c, v) => { c.jwt.orgIdClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'default_org_id', type: 'int', default: '1',
    description: 'livehub: organization of tokens without the org id claim.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.jwt.defaultOrgId = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'role_claim', type: 'string', default: 'role',
    description: 'livehub: claim holding the org role (Viewer, Editor, Admin, case-insensitive); missing means Viewer, anything else rejects the token.',
    parse: nonEmpty, set: (c, v) => { c.jwt.roleClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'expect_claims', type: 'json', default: '{}',
    description: 'JSON object of claims that must match, e.g. `{"iss": "https://idp.example", "aud": "livehub"}`; `aud` matches when the token\'s audience (string or array) contains every expected value.',
    parse: parseJsonObject, set: (c, v) => { c.jwt.expectClaims = v; },
  }),

  // [auth.api_tokens]
  defineKey({
    section: 'auth.api_tokens', key: 'file', type: 'string', default: '',
    description: 'livehub: JSON file of API tokens (hashed, or provisioned in plain text); empty means `<paths.data>/api-tokens.json`.',
    parse: identity, set: (c, v) => { c.apiTokens.file = v; },
  }),

  // [paths]
  defineKey({
    section: 'paths', key: 'data', type: 'string', default: 'data',
    description: 'Data directory (API token file by default). Relative paths are relative to the working directory.',
    parse: nonEmpty, set: (c, v) => { c.paths.data = v; },
  }),

  // [database]
  defineKey({
    section: 'database', key: 'type', type: 'enum', default: 'sqlite3', choices: DATABASE_TYPES,
    description: 'Where dashboards are stored: `sqlite3` (a file under the data directory) or `postgres`.',
    parse: databaseType, set: (c, v) => { c.database.type = v; },
  }),
  defineKey({
    section: 'database', key: 'host', type: 'string', default: '127.0.0.1:5432',
    description: 'PostgreSQL server as `host:port` (or a Unix socket directory such as `/var/run/postgresql`).',
    parse: databaseHost, set: (c, v) => { c.database.host = v; },
  }),
  defineKey({
    section: 'database', key: 'name', type: 'string', default: 'livehub',
    description: 'PostgreSQL database name.',
    parse: nonEmpty, set: (c, v) => { c.database.name = v; },
  }),
  defineKey({
    section: 'database', key: 'user', type: 'string', default: 'livehub',
    description: 'PostgreSQL user.',
    parse: nonEmpty, set: (c, v) => { c.database.user = v; },
  }),
  defineKey({
    section: 'database', key: 'password', type: 'string', default: '', secret: true,
    description: 'PostgreSQL password. Use `$__file{/run/secrets/…}` to keep it out of the file.',
    parse: identity, set: (c, v) => { c.database.password = v; },
  }),
  defineKey({
    section: 'database', key: 'ssl_mode', type: 'enum', default: 'disable', choices: SSL_MODES,
    description: 'TLS to PostgreSQL: `disable`, `require` (encrypted, certificate not checked), `verify-ca` or `verify-full` (certificate checked against the system CAs; `verify-full` also checks the host name).',
    parse: sslMode, set: (c, v) => { c.database.sslMode = v; },
  }),
  defineKey({
    section: 'database', key: 'path', type: 'string', default: 'livehub.db',
    description: 'SQLite database file; a relative path is inside `[paths] data`.',
    parse: nonEmpty, set: (c, v) => { c.database.path = v; },
  }),

  // [log]
  defineKey({
    section: 'log', key: 'level', type: 'enum', default: 'info', choices: ['debug', 'info', 'warn', 'error'],
    description: 'Log level: debug, info, warn or error (`warning` and Grafana\'s `critical` are accepted).',
    parse: logLevel, set: (c, v) => { c.log.level = v; },
  }),
];

/** Known sections in table order. */
export const CONFIG_SECTIONS: readonly string[] = [...new Set(CONFIG_KEYS.map((k) => k.section))];

export function findKey(section: string, key: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.section === section && k.key === key);
}
