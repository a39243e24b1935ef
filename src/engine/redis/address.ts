// Parses `[live] ha_engine_address` (plus the password and Sentinel keys) into one connection
// description per shard: `host:port`, `redis://`, `rediss://` (TLS), `redis+sentinel://`, or a
// comma-separated list of those (= application-level shards, channel → shard by jump hash); or one
// Redis Cluster, `redis+cluster://` / `rediss+cluster://` with its seed nodes.

import { DEFAULT_PARTITIONS, CLUSTER_SLOTS } from './partitions.js';

/** A Redis reached directly. */
export interface DirectTarget {
  readonly kind: 'direct';
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** A master discovered through Sentinels. */
export interface SentinelTarget {
  readonly kind: 'sentinel';
  readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly masterName: string;
  readonly sentinelUsername?: string;
  readonly sentinelPassword?: string;
  readonly tls: boolean;
}

/** A Redis Cluster found through seed nodes (any of its nodes; the rest is discovered). */
export interface ClusterTarget {
  readonly kind: 'cluster';
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly tls: boolean;
  /** Channel partitions, each one hash tag = one slot (partitions.ts); `?partitions=`. */
  readonly partitions: number;
}

export interface ShardAddress {
  readonly target: DirectTarget | SentinelTarget | ClusterTarget;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
  /** For logs and health details: the address without credentials. */
  readonly label: string;
}

export interface AddressSettings {
  /** `[live] ha_engine_address`. */
  readonly address: string;
  /** `[live] ha_engine_password`: used when an address carries no password of its own. */
  readonly password?: string;
  /** `[live] ha_sentinel_master_name`: turns a plain `host:port` list into one Sentinel group. */
  readonly sentinelMasterName?: string;
  /** `[live] ha_sentinel_password`: Sentinel AUTH when the URL has no `sentinel_password`. */
  readonly sentinelPassword?: string;
}

export class AddressError extends Error {}

const DEFAULT_PORT = 6379;
const CLUSTER_ALONE = 'redis+cluster:// names one Redis Cluster and cannot be combined with other addresses (list its seed nodes in the one URL: redis+cluster://h1:p1,h2:p2)';
const DEFAULT_SENTINEL_PORT = 26379;

export function parseAddresses(settings: AddressSettings): ShardAddress[] {
  const text = settings.address.trim();
  if (text === '') throw new AddressError('ha_engine_address is empty');
  if (/^rediss?\+cluster:\/\//i.test(text)) return [parseCluster(text, settings)];
  if (/(^|,)\s*rediss?\+cluster:\/\//i.test(text)) {
    throw new AddressError(CLUSTER_ALONE);
  }
  const masterName = settings.sentinelMasterName?.trim() ?? '';
  if (masterName !== '' && !/^[a-z+]+:\/\//i.test(text)) {
    // ha_sentinel_master_name with a plain list: every host is a Sentinel of one master group.
    const sentinels = splitList(text).map((item) => hostPort(item, DEFAULT_SENTINEL_PORT));
    return [sentinelShard(sentinels, masterName, undefined, undefined, undefined, settings, false, 0)];
  }
  return groupTokens(text).map((group) => parseOne(group, settings));
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Splits on commas, keeping the extra hosts of a `redis+sentinel://h1,h2?…` URL with their URL:
 * a token without a scheme joins the preceding Sentinel URL until that URL's query string began.
 */
function groupTokens(text: string): string[] {
  const groups: string[] = [];
  let openSentinel = false;
  for (const token of splitList(text)) {
    const hasScheme = /^[a-z+]+:\/\//i.test(token);
    if (!hasScheme && openSentinel) {
      groups[groups.length - 1] += `,${token}`;
    } else {
      groups.push(token);
      openSentinel = /^redis\+sentinel:\/\//i.test(token);
    }
    if (token.includes('?')) openSentinel = false;
  }
  return groups;
}

function hostPort(text: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: portNumber(bracketed[2], defaultPort, text) };
  const colons = text.split(':').length - 1;
  if (colons > 1) return { host: text, port: defaultPort }; // bare IPv6 address
  const [host, port] = text.split(':');
  if (host === undefined || host === '') throw new AddressError(`missing host in ${JSON.stringify(text)}`);
  return { host, port: portNumber(port, defaultPort, text) };
}

function portNumber(text: string | undefined, defaultPort: number, whole: string): number {
  if (text === undefined || text === '') return defaultPort;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new AddressError(`invalid port in ${JSON.stringify(whole)}`);
  return n;
}

function dbNumber(text: string | null | undefined, whole: string): number {
  if (text === null || text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new AddressError(`invalid database number in ${JSON.stringify(whole)}`);
  return Number(text);
}

function decode(text: string): string | undefined {
  return text === '' ? undefined : decodeURIComponent(text);
}

function parseOne(text: string, settings: AddressSettings): ShardAddress {
  const scheme = /^([a-z+]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const { host, port } = hostPort(text, DEFAULT_PORT);
    return direct(host, port, false, undefined, settings.password, 0);
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new AddressError(`invalid Redis URL ${JSON.stringify(redact(text))}`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === '') throw new AddressError(`missing host in ${JSON.stringify(redact(text))}`);
    const port = portNumber(url.port, DEFAULT_PORT, redact(text));
    const db = dbNumber(url.pathname.replace(/^\//, '') || url.searchParams.get('db'), redact(text));
    return direct(host, port, scheme === 'rediss', decode(url.username), decode(url.password) ?? settings.password, db);
  }
  if (scheme === 'redis+sentinel' || scheme === 'rediss+sentinel') {
    const { query, hosts, path, username, password } = multiHostUrl(text, scheme);
    const sentinels = splitList(hosts).map((h) => hostPort(h, DEFAULT_SENTINEL_PORT));
    if (sentinels.length === 0) throw new AddressError(`no Sentinel hosts in ${JSON.stringify(redact(text))}`);
    const masterName = query.get('sentinel_master_name') ?? settings.sentinelMasterName ?? '';
    if (masterName === '') {
      throw new AddressError('redis+sentinel:// needs ?sentinel_master_name=<name> (or [live] ha_sentinel_master_name)');
    }
    const db = dbNumber(path || query.get('db'), redact(text));
    return sentinelShard(
      sentinels,
      masterName,
      username,
      password,
      query.get('sentinel_password') ?? undefined,
      settings,
      scheme === 'rediss+sentinel',
      db,
      query.get('sentinel_username') ?? undefined,
    );
  }
  throw new AddressError(`unsupported Redis address scheme ${JSON.stringify(`${scheme}://`)}; use host:port, redis://, rediss://, redis+sentinel:// or redis+cluster://`);
}

/** `scheme://[user[:password]@]h1[:p1],h2[:p2][/path][?query]`, taken apart by hand (URL() cannot parse several hosts). */
function multiHostUrl(text: string, scheme: string): { query: URLSearchParams; hosts: string; path: string; username: string | undefined; password: string | undefined } {
  const rest = text.slice(scheme.length + 3);
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));
  const at = beforeQuery.lastIndexOf('@');
  const userInfo = at < 0 ? '' : beforeQuery.slice(0, at);
  const hostsAndPath = at < 0 ? beforeQuery : beforeQuery.slice(at + 1);
  const slash = hostsAndPath.indexOf('/');
  const colon = userInfo.indexOf(':');
  return {
    query,
    hosts: slash < 0 ? hostsAndPath : hostsAndPath.slice(0, slash),
    path: slash < 0 ? '' : hostsAndPath.slice(slash + 1),
    username: decode(colon < 0 ? userInfo : userInfo.slice(0, colon)),
    password: colon < 0 ? undefined : decode(userInfo.slice(colon + 1)),
  };
}

/**
 * `redis+cluster://[user:password@]h1:p1,h2:p2[?partitions=N]` (`rediss+cluster://` for TLS): the
 * seed nodes of one Redis Cluster. A cluster has database 0 only; `partitions` (default 128) is the
 * number of channel partitions (hash tags) and must be the same on every livehub node.
 */
function parseCluster(text: string, settings: AddressSettings): ShardAddress {
  const scheme = /^([a-z+]+):\/\//i.exec(text)![1]!.toLowerCase();
  if (text.slice(scheme.length + 3).includes('://')) {
    throw new AddressError(CLUSTER_ALONE);
  }
  const { query, hosts, path, username, password } = multiHostUrl(text, scheme);
  const seeds = splitList(hosts).map((h) => hostPort(h, DEFAULT_PORT));
  if (seeds.length === 0) throw new AddressError(`no cluster nodes in ${JSON.stringify(redact(text))}`);
  if (dbNumber(path || query.get('db'), redact(text)) !== 0) throw new AddressError('Redis Cluster has database 0 only: remove the database number from the redis+cluster:// address');
  for (const key of query.keys()) {
    if (key !== 'partitions' && key !== 'db') throw new AddressError(`unknown parameter ${JSON.stringify(key)} in ${JSON.stringify(redact(text))} (redis+cluster:// takes ?partitions=N)`);
  }
  const partitionsText = query.get('partitions');
  const partitions = partitionsText === null ? DEFAULT_PARTITIONS : Number(partitionsText);
  if (!/^\d+$/.test(partitionsText ?? '1') || partitions < 1 || partitions > CLUSTER_SLOTS) {
    throw new AddressError(`partitions must be a whole number from 1 to ${CLUSTER_SLOTS} in ${JSON.stringify(redact(text))}`);
  }
  const tls = scheme === 'rediss+cluster';
  const effectivePassword = password ?? settings.password;
  const list = seeds.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',');
  return {
    target: { kind: 'cluster', seeds, tls, partitions },
    ...(username === undefined ? {} : { username }),
    ...(effectivePassword === undefined || effectivePassword === '' ? {} : { password: effectivePassword }),
    db: 0,
    label: `${scheme}://${list}${partitions === DEFAULT_PARTITIONS ? '' : `?partitions=${partitions}`}`,
  };
}

function direct(
  host: string,
  port: number,
  tls: boolean,
  username: string | undefined,
  password: string | undefined,
  db: number,
): ShardAddress {
  const label = `${tls ? 'rediss' : 'redis'}://${host.includes(':') ? `[${host}]` : host}:${port}${db === 0 ? '' : `/${db}`}`;
  return {
    target: { kind: 'direct', host, port, tls },
    ...(username === undefined ? {} : { username }),
    ...(password === undefined || password === '' ? {} : { password }),
    db,
    label,
  };
}

function sentinelShard(
  sentinels: Array<{ host: string; port: number }>,
  masterName: string,
  username: string | undefined,
  password: string | undefined,
  sentinelPassword: string | undefined,
  settings: AddressSettings,
  tls: boolean,
  db: number,
  sentinelUsername?: string,
): ShardAddress {
  const effectivePassword = password ?? settings.password;
  const effectiveSentinelPassword = sentinelPassword ?? (settings.sentinelPassword === '' ? undefined : settings.sentinelPassword);
  const hosts = sentinels.map((s) => `${s.host}:${s.port}`).join(',');
  return {
    target: {
      kind: 'sentinel',
      sentinels,
      masterName,
      ...(sentinelUsername === undefined ? {} : { sentinelUsername }),
      ...(effectiveSentinelPassword === undefined ? {} : { sentinelPassword: effectiveSentinelPassword }),
      tls,
    },
    ...(username === undefined ? {} : { username }),
    ...(effectivePassword === undefined || effectivePassword === '' ? {} : { password: effectivePassword }),
    db,
    label: `redis+sentinel://${hosts}?sentinel_master_name=${masterName}${db === 0 ? '' : `&db=${db}`}`,
  };
}

/** The address with any password replaced, for error messages. */
export function redact(text: string): string {
  return text.replace(/\/\/([^@/]*):([^@/]*)@/g, '//$1:***@').replace(/(sentinel_password=)[^&,]*/g, '$1***');
}
