// The declarative table of every configuration key livehub knows: section, key, type, default
// (as INI text), env var, meaning, validation and where the value lands in LiveHubConfig.
// The loader, the docs generator and the tests all enumerate this one table.

import { compile as compileJmesPath } from '@jmespath-community/jmespath';
import { splitOrgMappingSetting } from '../roles/org-mapping.js';
import { ORG_ROLES, parseOrgRole } from '../roles/org-role.js';
import { ValueProblem } from './errors.js';
import { compileGlob } from './glob.js';
import type { LiveHubConfig, LiveTransport, LogConfig, RateConfig, UnauthenticatedLimit } from './types.js';
import { parseBoolean, parseBytes, parseDurationMs, parseInteger, parseJsonObject, parseList } from './values.js';

/** `int or %`: a number, or a percentage of another limit ("90%"). */
export type ValueType = 'string' | 'int' | 'bool' | 'enum' | 'list' | 'duration' | 'json' | 'bytes' | 'int or %';

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
const EMPTY_MEANS_DEFAULT: ReadonlySet<ValueType> = new Set(['int', 'bool', 'duration', 'bytes', 'json', 'int or %']);

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

/** `ha_engine_wait_timeout`: 10 ms to 3 s, so a WAIT always ends within the 4 s Redis command timeout. */
function waitTimeoutMs(raw: string): number {
  const ms = parseDurationMs(raw);
  if (ms < 10 || ms > 3000) throw new ValueProblem('must be between 10ms and 3s (below the 4 s Redis command timeout)');
  return ms;
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

/** A connection count (-1 = no cap) or a share of max_connections written as a percentage ("90%"). */
function countOrShare(key: string): (raw: string) => UnauthenticatedLimit {
  return (raw) => {
    const text = raw.trim();
    if (text.endsWith('%')) {
      const number = text.slice(0, -1).trim();
      const percent = /^\d+(\.\d+)?$/.test(number) ? Number(number) : Number.NaN;
      if (!(percent >= 0 && percent <= 100)) throw new ValueProblem(`must be a percentage between 0% and 100% of max_connections, or a number of connections`);
      return { percent };
    }
    return { count: liveAtLeast(key, -1)(parseInteger(text)) };
  };
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

/** A JMESPath expression over JWT claims (Grafana's `*_attribute_path`); empty means unset. */
function jmesPath(text: string): string {
  if (text === '') return text;
  try {
    // The compiler auth/jmespath.ts evaluates with: an expression that loads here works there.
    compileJmesPath(text);
  } catch (err) {
    throw new ValueProblem(`is not a valid JMESPath expression: ${(err as Error).message}`);
  }
  return text;
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Grafana requires https (plain http only in its development mode); livehub also allows http on loopback. */
function jwkSetUrl(text: string): string {
  if (text === '') return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValueProblem('must be an absolute URL such as https://idp.example/.well-known/jwks.json');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) return text;
  throw new ValueProblem('must be an https:// URL (http:// only on a loopback address such as http://127.0.0.1:8080/jwks.json)');
}

function orgMappingEntries(text: string): string[] {
  try {
    return splitOrgMappingSetting(text);
  } catch (err) {
    throw new ValueProblem((err as Error).message);
  }
}

/** Grafana's expect_claims: a JSON object; iss and sub must be strings, aud a string or array of strings. */
function expectClaims(text: string): Record<string, unknown> {
  const claims = parseJsonObject(text);
  for (const name of ['iss', 'sub'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') throw new ValueProblem(`"${name}" must be a string`);
  }
  const aud = claims.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new ValueProblem('"aud" must be a string or an array of strings');
  }
  return claims;
}

const identity = (text: string): string => text;

/** Grafana splits these [security] lists on spaces; commas are accepted too. */
function spacedList(text: string): string[] {
  return text.split(/[\s,]+/).filter((item) => item !== '');
}

/**
 * csrf_trusted_origins: Grafana compares each entry with the Origin's host name, so entries are host
 * names. A full origin (`https://grafana.example.com:3000`) is reduced to its host name instead of
 * never matching, as it silently would in Grafana.
 */
function trustedHosts(text: string): string[] {
  return spacedList(text).map((entry) => {
    if (!entry.includes('://')) return entry.toLowerCase().replace(/:\d+$/, '');
    try {
      return new URL(entry).hostname.toLowerCase();
    } catch {
      throw new ValueProblem(`${JSON.stringify(entry)} is neither a host name nor an origin URL`);
    }
  });
}

function headerNames(text: string): string[] {
  return spacedList(text).map((name) => httpHeaderName(name).toLowerCase());
}

const LIVE_TRANSPORTS: readonly LiveTransport[] = ['websocket', 'http_stream', 'sse'];

function liveTransports(text: string): LiveTransport[] {
  const items = parseList(text);
  for (const item of items) {
    if (!(LIVE_TRANSPORTS as readonly string[]).includes(item)) throw new ValueProblem(`unknown Live transport ${JSON.stringify(item)}: expected ${LIVE_TRANSPORTS.join(', ')}`);
  }
  return [...new Set(items)] as LiveTransport[];
}

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

/** The four keys of one caller class of [http_rate_limit]: requests and body bytes, each rate + burst. */
function rateKeys(
  prefix: '' | 'anonymous_',
  who: string,
  defaults: { perSecond: string; burst: string; bytesPerSecond: string; bytesBurst: string },
  target: (c: LiveHubConfig) => [RateConfig, RateConfig],
): ConfigKey[] {
  const groups = '`POST /api/live/publish`, the HTTP push and the dashboard API each have their own bucket';
  return [
    defineKey({
      section: 'http_rate_limit', key: `${prefix}requests_per_second`, type: 'int', default: defaults.perSecond,
      description: `livehub: requests per second of ${who} (token bucket; ${groups}); 0 disables. Over it: 429 with \`Retry-After\`.`,
      parse: (raw) => inRange(parseInteger(raw), 0), set: (c, v) => { target(c)[0].perSecond = v; },
    }),
    defineKey({
      section: 'http_rate_limit', key: `${prefix}request_burst`, type: 'int', default: defaults.burst,
      description: `livehub: requests ${who} may make at once above \`${prefix}requests_per_second\` (the bucket size).`,
      parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { target(c)[0].burst = v; },
    }),
    defineKey({
      section: 'http_rate_limit', key: `${prefix}bytes_per_second`, type: 'bytes', default: defaults.bytesPerSecond,
      description: `livehub: request body bytes per second of ${who}, counted after gzip decoding; 0 disables. Over it: 429 with \`Retry-After\`.`,
      parse: (raw) => inRange(parseBytes(raw), 0), set: (c, v) => { target(c)[1].perSecond = v; },
    }),
    defineKey({
      section: 'http_rate_limit', key: `${prefix}bytes_burst`, type: 'bytes', default: defaults.bytesBurst,
      description: `livehub: body bytes ${who} may send at once (the bucket size). A body larger than the bucket passes only when the bucket is full, and empties it.`,
      parse: (raw) => inRange(parseBytes(raw), 1), set: (c, v) => { target(c)[1].burst = v; },
    }),
  ];
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

  defineKey({
    section: 'server', key: 'max_json_depth', type: 'int', default: '128',
    description: 'livehub: deepest nesting accepted in JSON request bodies (`POST /api/live/publish`, dashboard saves) and in published data (WebSocket `publish`); deeper input gets 400 (WebSocket: error 107).',
    parse: (raw) => inRange(parseInteger(raw), 1, 10_000), set: (c, v) => { c.server.maxJsonDepth = v; },
  }),

  // [security]
  defineKey({
    section: 'security', key: 'csrf_trusted_origins', type: 'list', default: '',
    description: 'Host names (space- or comma-separated) whose `Origin` passes the CSRF check of state-changing HTTP requests, besides the request\'s own host and `root_url` (docs/authorization.md). Grafana\'s key; an origin URL is reduced to its host name.',
    parse: trustedHosts, set: (c, v) => { c.security.csrfTrustedOrigins = v; },
  }),
  defineKey({
    section: 'security', key: 'csrf_additional_headers', type: 'list', default: '',
    description: 'Request headers (space- or comma-separated, e.g. `X-Forwarded-Host`) whose host value is also trusted as the server\'s own origin by the CSRF check. Grafana\'s key.',
    parse: headerNames, set: (c, v) => { c.security.csrfAdditionalHeaders = v; },
  }),
  defineKey({
    section: 'security', key: 'csrf_always_check', type: 'bool', default: 'false',
    description: 'Run the CSRF check on requests with an explicit credential (`Authorization` header, JWT header, `auth_token`) too; by default only anonymous requests — the ones a browser can make with ambient authority, like Grafana\'s login cookie — are checked. Grafana\'s key.',
    parse: parseBoolean, set: (c, v) => { c.security.csrfAlwaysCheck = v; },
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
    description: 'Largest inbound message on /api/live/ws in bytes; -1 unlimited. Bigger messages close the socket with 1009. Also bounds the first commands of an HTTP-streaming or SSE connection and the commands of an emulation request (413).',
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
    description: 'Redis address: `host:port`, `redis://`, `rediss://`, `redis+sentinel://…`, a comma-separated list of addresses sharded by channel, or one Redis Cluster `redis+cluster://h1:p1,h2:p2` (`rediss+cluster://` with TLS; Redis ≥ 7, sharded PUB/SUB) (see docs/ha.md).',
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
    section: 'live', key: 'ha_engine_wait_replicas', type: 'int', default: '0',
    description: 'livehub: a publish to a recoverable channel (with history) is acknowledged only after Redis `WAIT` confirms this many replicas have it; otherwise, after `ha_engine_wait_timeout`, it is answered with a temporary error (protocol error 100, HTTP 503). 0 = answer once the master has it (asynchronous replication). Costs one replica round trip per batch (docs/ha.md).',
    parse: (raw) => inRange(parseInteger(raw), 0, 100), set: (c, v) => { c.live.haEngineWaitReplicas = v; },
  }),
  defineKey({
    section: 'live', key: 'ha_engine_wait_timeout', type: 'duration', default: '1s',
    description: 'livehub: how long a publish waits for `ha_engine_wait_replicas` replicas (10ms–3s, below the 4 s Redis command timeout).',
    parse: waitTimeoutMs, set: (c, v) => { c.live.haEngineWaitTimeoutMs = v; },
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
    section: 'live', key: 'memory_engine_budget', type: 'bytes', default: '268435456',
    description: 'livehub: bytes of stored data the in-memory engine keeps (history entries and stream positions, broadcast last messages, managed-stream frames); at the budget the oldest are evicted first (`livehub_engine_memory_evictions_total`). Capped at half of the V8 heap limit. Redis mode: unused (Redis bounds it with TTLs and `MAXLEN`).',
    parse: (raw) => inRange(parseBytes(raw), 65536), set: (c, v) => { c.live.memoryEngineBudget = v; },
  }),
  defineKey({
    section: 'live', key: 'frame_cache_ttl', type: 'duration', default: '3600',
    description: 'livehub: in-memory engine: a managed stream\'s cached last frame (initial data of new subscribers) is forgotten after this long without a push (whole seconds, or `1h`). The Redis engine keeps Grafana\'s 7 days, refreshed on every push.',
    parse: (raw) => wholeSeconds(parseDurationMs(raw), 1), set: (c, v) => { c.live.frameCacheTtlSeconds = v; },
  }),
  defineKey({
    section: 'live', key: 'join_leave_max_subscribers', type: 'int', default: '100',
    description: 'livehub: join/leave pushes stop on a channel while it has more than this many subscribers on the node (presence and `presence_stats` stay exact; `livehub_join_leave_suppressed_total` counts what was not pushed). Bounds a reconnect storm to at most N² pushes per channel instead of subscribers². -1: no limit (Grafana).',
    parse: (raw) => inRange(parseInteger(raw), -1), set: (c, v) => { c.live.joinLeaveMaxSubscribers = v; },
  }),
  defineKey({
    section: 'live', key: 'transports', type: 'list', default: 'websocket,http_stream,sse',
    description: 'livehub: the Live transports served, a comma-separated subset of `websocket` (`/api/live/ws`), `http_stream` (`POST /api/live/http_stream`) and `sse` (`GET /api/live/sse`); the last two are centrifuge-js\'s fallbacks where a proxy blocks or buffers WebSocket upgrades and send their commands to `POST /api/live/emulation` (docs/reverse-proxy.md). A transport left out answers 404. Empty: none (Live connections are refused).',
    parse: liveTransports, set: (c, v) => { c.live.transports = v; },
  }),
  defineKey({
    section: 'live', key: 'emulation_max_forwards', type: 'int', default: '1000',
    description: 'livehub: emulation requests (`POST /api/live/emulation`) a node holds at once while the session\'s node — another node, reached through the engine — takes them; more are answered 503 (`livehub_live_emulation_requests_total{outcome="busy"}`).',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.live.emulationMaxForwards = v; },
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
    section: 'live', key: 'max_unauthenticated_connections', type: 'int or %', default: '90%',
    description: 'livehub: WebSocket connections without a credential (anonymous, or not yet authenticated by a connect token) one node holds at most, as a number (-1 no cap) or a share of `max_connections` (`90%`; no cap when that is -1). They count from the upgrade; over the cap the socket is closed with 3504. What is left of `max_connections` is kept for clients with a credential (docs/authorization.md).',
    parse: countOrShare('max_unauthenticated_connections'), set: (c, v) => { c.live.maxUnauthenticatedConnections = v; },
  }),
  defineKey({
    section: 'live', key: 'max_unauthenticated_connections_per_ip', type: 'int', default: '16',
    description: 'livehub: WebSocket connections without a credential that have not completed `connect` yet, per client address (the TCP peer); -1 no cap. Over it the upgrade is refused with HTTP 429 (centrifuge-js retries with back-off). Anonymous sessions that connected no longer count here.',
    parse: (raw) => liveAtLeast('max_unauthenticated_connections_per_ip', -1)(parseInteger(raw)), set: (c, v) => { c.live.maxUnauthenticatedConnectionsPerIp = v; },
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

  // [http_rate_limit]
  ...rateKeys('', 'an identity (API token or user)', { perSecond: '100', burst: '200', bytesPerSecond: '16MiB', bytesBurst: '32MiB' }, (c) => [c.httpRateLimit.requests, c.httpRateLimit.bytes]),
  ...rateKeys('anonymous_', 'one client address of anonymous callers (an IPv6 /64 counts as one address)', { perSecond: '50', burst: '100', bytesPerSecond: '256KiB', bytesBurst: '1MiB' }, (c) => [c.httpRateLimit.anonymousRequests, c.httpRateLimit.anonymousBytes]),
  defineKey({
    section: 'http_rate_limit', key: 'max_keys', type: 'int', default: '20000',
    description: 'livehub: buckets (identity or address, per route group) kept at once. Past it the least recently used bucket is dropped (counted in `livehub_http_rate_limit_evictions_total`); full buckets are dropped every 10 s, so the table empties when the load stops.',
    parse: (raw) => inRange(parseInteger(raw), 1, 10_000_000), set: (c, v) => { c.httpRateLimit.maxKeys = v; },
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
    description: 'Accept JSON Web Tokens (RS256, ES256, HS256). Needs a key source: `key_file`, `key_value`, `jwk_set_file`, `jwk_set_value`, `jwk_set_url` or `hmac_secret` (livehub accepts several at once; Grafana only one).',
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
    section: 'auth.jwt', key: 'key_value', type: 'string', default: '',
    description: 'The content of a `key_file`, base64-encoded on one line (`base64 < key.pem | tr -d \'\\n\'`).',
    parse: identity, set: (c, v) => { c.jwt.keyValue = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'key_id', type: 'string', default: '',
    description: 'The `kid` of the `key_file` / `key_value` key: tokens whose header names a `kid` are verified by it only when the kids match. Empty: the PEM key verifies tokens with any or no `kid`.',
    parse: identity, set: (c, v) => { c.jwt.keyId = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_file', type: 'string', default: '',
    description: 'JWKS file (`{"keys":[…]}`) with RSA/EC public keys; a token\'s `kid` selects the key.',
    parse: identity, set: (c, v) => { c.jwt.jwkSetFile = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_value', type: 'string', default: '',
    description: 'The content of a `jwk_set_file`, base64-encoded on one line.',
    parse: identity, set: (c, v) => { c.jwt.jwkSetValue = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_url', type: 'string', default: '',
    description: 'JWKS endpoint of the identity provider (https; http only on a loopback address). Fetched on demand, kept for `cache_ttl`; a token with an unknown `kid` triggers one refetch (see `jwk_set_refetch_cooldown`); a failed fetch keeps the last good keys.',
    parse: jwkSetUrl, set: (c, v) => { c.jwt.jwkSetUrl = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_bearer_token_file', type: 'string', default: '',
    description: 'File whose content is sent as `Authorization: Bearer …` to `jwk_set_url`; re-read before each fetch (rotating service-account tokens).',
    parse: identity, set: (c, v) => { c.jwt.jwkSetBearerTokenFile = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'cache_ttl', type: 'duration', default: '60m',
    description: 'How long keys from `jwk_set_url` are used before they are fetched again; a shorter `Cache-Control: max-age` of the response wins. `0` caches nothing: every verification waits for a fetch (one request in flight at a time).',
    parse: (raw) => inRange(parseDurationMs(raw), 0), set: (c, v) => { c.jwt.cacheTtlMs = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'tls_client_ca', type: 'string', default: '',
    description: 'PEM file of the CA certificate(s) that `jwk_set_url` is verified against, instead of the system CAs (self-signed or private CAs).',
    parse: identity, set: (c, v) => { c.jwt.tlsClientCa = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'tls_skip_verify_insecure', type: 'bool', default: 'false',
    description: 'Do not verify the certificate of `jwk_set_url`. Insecure: anyone on the path can then serve keys; logged as a warning at start-up.',
    parse: parseBoolean, set: (c, v) => { c.jwt.tlsSkipVerifyInsecure = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_timeout', type: 'duration', default: '10s',
    description: 'livehub: deadline of one `jwk_set_url` request, from connecting to the last byte (Grafana: 30 s, fixed). Verifications waiting for it are refused when it passes without keys.',
    parse: (raw) => inRange(parseDurationMs(raw), 100), set: (c, v) => { c.jwt.jwkSetTimeoutMs = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_max_bytes', type: 'bytes', default: '1048576',
    description: 'livehub: largest `jwk_set_url` response body; a larger one counts as a failed fetch. Bounds the memory of the key cache.',
    parse: (raw) => inRange(parseBytes(raw), 1024), set: (c, v) => { c.jwt.jwkSetMaxBytes = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'jwk_set_refetch_cooldown', type: 'duration', default: '10s',
    description: 'livehub: least time between a fetch of `jwk_set_url` and a refetch for an unknown `kid`, and between a failed fetch and the next attempt. Bounds what a flood of tokens with random kids costs the identity provider.',
    parse: (raw) => inRange(parseDurationMs(raw), 100), set: (c, v) => { c.jwt.jwkSetRefetchCooldownMs = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'hmac_secret', type: 'string', default: '', secret: true,
    description: 'livehub: shared secret for HS256 tokens, at least 32 bytes (RFC 7518 §3.2). Use `$__file{/run/secrets/…}` to keep it out of the file.',
    parse: hmacSecret, set: (c, v) => { c.jwt.hmacSecret = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'username_claim', type: 'string', default: '',
    description: 'Claim holding the login (a dotted path such as `user.login` reaches nested claims). When none of `username_claim`, `login_claim`, `username_attribute_path`, `email_claim`, `email_attribute_path` is set, the login is `sub`.',
    parse: identity, set: (c, v) => { c.jwt.usernameClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'login_claim', type: 'string', default: '',
    description: 'livehub: alias of `username_claim` (older livehub name); setting both to different claims fails start-up.',
    parse: identity, set: (c, v) => { c.jwt.loginClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'username_attribute_path', type: 'string', default: '',
    description: 'JMESPath expression giving the login (e.g. `user.username`), used when `username_claim` is empty.',
    parse: jmesPath, set: (c, v) => { c.jwt.usernameAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'email_claim', type: 'string', default: '',
    description: 'Claim holding the e-mail address; it is the login when the token has no username.',
    parse: identity, set: (c, v) => { c.jwt.emailClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'email_attribute_path', type: 'string', default: '',
    description: 'JMESPath expression giving the e-mail (e.g. `user.emails[1]`), used when `email_claim` is empty.',
    parse: jmesPath, set: (c, v) => { c.jwt.emailAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'name_attribute_path', type: 'string', default: '',
    description: 'JMESPath expression giving the display name; empty: the `name` claim (else the login).',
    parse: jmesPath, set: (c, v) => { c.jwt.nameAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'role_attribute_path', type: 'string', default: '',
    description: 'JMESPath expression giving the org role: `Viewer`, `Editor`, `Admin`, `GrafanaAdmin` (= Admin in livehub) or `None` (refused: livehub has no role below Viewer), case-sensitive as in Grafana. Anything else means no role: Viewer, or refused with `role_attribute_strict`. When set, `role_claim` is not used.',
    parse: jmesPath, set: (c, v) => { c.jwt.roleAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'role_attribute_strict', type: 'bool', default: 'false',
    description: 'Refuse tokens for which `role_attribute_path` (or `role_claim`) and `org_mapping` yield no valid role, instead of making them Viewers.',
    parse: parseBoolean, set: (c, v) => { c.jwt.roleAttributeStrict = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'role_claim', type: 'string', default: 'role',
    description: 'livehub: claim holding the org role when `role_attribute_path` is empty (Viewer, Editor, Admin, case-insensitive); missing means Viewer (refused with `role_attribute_strict`), anything else rejects the token. Setting it together with `role_attribute_path` fails start-up.',
    parse: nonEmpty, set: (c, v) => { c.jwt.roleClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'org_attribute_path', type: 'string', default: '',
    description: 'JMESPath expression giving the list of the user\'s external organizations or groups, matched against `org_mapping`.',
    parse: jmesPath, set: (c, v) => { c.jwt.orgAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'org_mapping', type: 'list', default: '',
    description: 'Grafana\'s org mapping: entries `<external>:<org id>:<role>` separated by spaces or commas (or a JSON array), e.g. `group1:1:Editor, group2:2:Viewer, *:3:Viewer`; `*` as external matches everyone, `*` as org any org; the higher of this and `role_attribute_path` wins. Orgs by numeric id only (livehub has no org names).',
    parse: orgMappingEntries, set: (c, v) => { c.jwt.orgMapping = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'org_id_claim', type: 'string', default: 'org_id',
    description: 'livehub: claim holding the numeric org id the connection acts in (number or numeric string). With `org_mapping`, it picks one of the mapped orgs (another is refused); without, it is the org.',
    parse: nonEmpty, set: (c, v) => { c.jwt.orgIdClaim = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'default_org_id', type: 'int', default: '1',
    description: 'livehub: organization of tokens without the org id claim (Grafana\'s `auto_assign_org_id`); with `org_mapping`, used when mapped, else the lowest mapped org.',
    parse: (raw) => inRange(parseInteger(raw), 1), set: (c, v) => { c.jwt.defaultOrgId = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'expect_claims', type: 'json', default: '{}',
    description: 'JSON object of claims that must match, e.g. `{"iss": "https://idp.example", "aud": "livehub"}`; `aud` matches when the token\'s audience (string or array) contains every expected value; other claims must be equal.',
    parse: expectClaims, set: (c, v) => { c.jwt.expectClaims = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'skip_org_role_sync', type: 'bool', default: 'false',
    description: 'Take no role and no org from the token: every JWT user is a Viewer of `default_org_id` (livehub has no user database where roles could be managed instead; logged at start-up).',
    parse: parseBoolean, set: (c, v) => { c.jwt.skipOrgRoleSync = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'allow_assign_grafana_admin', type: 'bool', default: 'false',
    description: 'Not applicable: livehub has no server administrator, so `GrafanaAdmin` from `role_attribute_path` is the org role Admin either way.',
    parse: parseBoolean, set: (c, v) => { c.jwt.allowAssignGrafanaAdmin = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'auto_sign_up', type: 'bool', default: 'false',
    description: 'Not applicable: livehub has no user accounts, so every verified token is accepted as if `auto_sign_up = true` (a warning at start-up when it is false).',
    parse: parseBoolean, set: (c, v) => { c.jwt.autoSignUp = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'groups_attribute_path', type: 'string', default: '',
    description: 'Not applicable (Grafana team sync; livehub has no teams). Validated as JMESPath.',
    parse: jmesPath, set: (c, v) => { c.jwt.groupsAttributePath = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'enable_login_token', type: 'bool', default: 'false',
    description: 'Not applicable: livehub issues no login cookie; the JWT accompanies every request or connection.',
    parse: parseBoolean, set: (c, v) => { c.jwt.enableLoginToken = v; },
  }),
  defineKey({
    section: 'auth.jwt', key: 'signout_redirect_url', type: 'string', default: '',
    description: 'Not applicable (Grafana\'s sign-out page).',
    parse: identity, set: (c, v) => { c.jwt.signoutRedirectUrl = v; },
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
  defineKey({
    section: 'log', key: 'repeat_interval', type: 'duration', default: '60',
    description: 'livehub: a warning that clients can trigger over and over (rejected origins, requests over a rate limit, cross-site requests, failed pushes) is written once per interval; the repeats are counted and reported in one line with a `suppressed` field when the interval ends (seconds, or `500ms`, `2m`).',
    parse: (raw) => inRange(parseDurationMs(raw), 100), set: (c, v) => { c.log.repeatIntervalMs = v; },
  }),
  defineKey({
    section: 'log', key: 'max_value_length', type: 'int', default: '512',
    description: 'livehub: longest string value in a log line, in characters; longer values (an 8 KB Origin header, a huge channel name) are cut and marked with the number of characters left out.',
    parse: (raw) => inRange(parseInteger(raw), 32), set: (c, v) => { c.log.maxValueLength = v; },
  }),
];

/** Known sections in table order. */
export const CONFIG_SECTIONS: readonly string[] = [...new Set(CONFIG_KEYS.map((k) => k.section))];

export function findKey(section: string, key: string): ConfigKey | undefined {
  return CONFIG_KEYS.find((k) => k.section === section && k.key === key);
}
