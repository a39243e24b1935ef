// Builds the resolved LiveHubConfig: schema defaults < INI file < GF_* environment variables, then
// expands `$__env{}`/`$__file{}` references and validates every value through the schema. Every
// failure is a ConfigError naming the key, where the value came from and the offending value.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, describeOrigin, ValueProblem, type ValueOrigin } from './errors.js';
import { expandValue } from './expand.js';
import { FOREIGN_GRAFANA_SECTIONS, IGNORED_GRAFANA_KEYS, ignoredKeyNote, isIgnoredGrafanaKey } from './grafana-compat.js';
import { DEFAULT_SECTION, parseIni } from './ini.js';
import { checkJwtConfig } from './jwt-rules.js';
import { CONFIG_KEYS, CONFIG_SECTIONS, envPart, findKey, type ConfigKey } from './schema.js';
import type { LiveHubConfig } from './types.js';

export { CONFIG_KEYS, CONFIG_SECTIONS, type ConfigKey } from './schema.js';
export { ConfigError } from './errors.js';

export interface LoadConfigOptions {
  /** INI file (the CLI's `--config FILE`); a missing file is an error. */
  file?: string;
  /** Environment to read GF_* variables from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: LiveHubConfig;
  /** Things the operator should see at startup but that do not stop it (ignored GF_* variables, …). */
  warnings: string[];
  /** How some settings are applied, worth an info line at startup (e.g. the JWT summary). */
  notices: string[];
}

interface RawValue {
  raw: string;
  origin: ValueOrigin;
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const raws = new Map<ConfigKey, RawValue>(CONFIG_KEYS.map((k) => [k, { raw: k.default, origin: { kind: 'default' } }]));

  if (opts.file !== undefined) readFileLayer(opts.file, raws, warnings);
  readEnvLayer(env, raws, warnings);

  const config = blankConfig();
  for (const [def, value] of raws) applyValue(config, def, value, env);
  const notices: string[] = [];
  return { config: finish(config, raws, warnings, notices), warnings, notices };
}

/** The configuration with every default and no file or environment: handy for tests. */
export function defaultConfig(): LiveHubConfig {
  return loadConfig({ env: {} }).config;
}

function keyLabel(section: string, key: string): string {
  return section === DEFAULT_SECTION ? key : `[${section}] ${key}`;
}

function readFileLayer(file: string, raws: Map<ConfigKey, RawValue>, warnings: string[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `configuration file not found: ${file}` : `cannot read configuration file ${file}: ${(err as Error).message}`,
    );
  }
  const doc = parseIni(text, file);
  for (const header of doc.sections) {
    if (header.name !== DEFAULT_SECTION && !CONFIG_SECTIONS.includes(header.name)) {
      throw new ConfigError(`unknown configuration section [${header.name}] (at ${file}:${header.line})`, {
        section: header.name,
        origin: { kind: 'file', file, line: header.line },
      });
    }
  }
  for (const entry of doc.entries) {
    const origin: ValueOrigin = { kind: 'file', file, line: entry.line };
    const def = findKey(entry.section, entry.key);
    if (def) {
      raws.set(def, { raw: entry.value, origin });
    } else if (isIgnoredGrafanaKey(entry.section, entry.key)) {
      warnings.push(`ignoring ${keyLabel(entry.section, entry.key)} (${describeOrigin(origin)}): ${ignoredKeyNote(entry.section, entry.key)}`);
    } else {
      throw unknownKey(entry.section, entry.key, origin);
    }
  }
}

function unknownKey(section: string, key: string, origin: ValueOrigin): ConfigError {
  return new ConfigError(`unknown configuration key ${keyLabel(section, key)} (${describeOrigin(origin)})`, { section, key, origin });
}

type EnvMatch =
  | { kind: 'key'; def: ConfigKey }
  | { kind: 'grafana-key'; section: string; key: string }
  | { kind: 'unknown-key'; section: string; key: string }
  | { kind: 'no-section' };

interface SectionCandidate {
  section: string;
  prefix: string;
  own: boolean;
}

// Longest prefix first: GF_AUTH_ANONYMOUS_ENABLED is [auth.anonymous] enabled, not [auth] anonymous_enabled.
const ENV_SECTIONS: readonly SectionCandidate[] = [
  ...CONFIG_SECTIONS.map((section) => ({ section, prefix: `${envPart(section)}_`, own: true })),
  ...FOREIGN_GRAFANA_SECTIONS.map((section) => ({ section, prefix: `${envPart(section)}_`, own: false })),
].sort((a, b) => b.prefix.length - a.prefix.length);

/** Maps `GF_<SECTION>_<KEY>` to a schema key, a known-but-ignored Grafana key, a typo, or nothing. */
export function matchEnvVar(name: string): EnvMatch {
  if (!name.startsWith('GF_')) return { kind: 'no-section' };
  const rest = name.slice(3);
  const candidate = ENV_SECTIONS.find((c) => rest.startsWith(c.prefix) && rest.length > c.prefix.length);
  if (!candidate || !candidate.own) return { kind: 'no-section' };
  const keyPart = rest.slice(candidate.prefix.length);
  const def = CONFIG_KEYS.find((k) => k.section === candidate.section && envPart(k.key) === keyPart);
  if (def) return { kind: 'key', def };
  const grafanaKey = IGNORED_GRAFANA_KEYS[candidate.section]?.find((k) => envPart(k) === keyPart);
  if (grafanaKey) return { kind: 'grafana-key', section: candidate.section, key: grafanaKey };
  return { kind: 'unknown-key', section: candidate.section, key: keyPart.toLowerCase() };
}

function readEnvLayer(env: NodeJS.ProcessEnv, raws: Map<ConfigKey, RawValue>, warnings: string[]): void {
  const names = Object.keys(env)
    .filter((name) => name.startsWith('GF_') && env[name] !== undefined)
    .sort();
  for (const name of names) {
    const origin: ValueOrigin = { kind: 'env', name };
    const match = matchEnvVar(name);
    switch (match.kind) {
      case 'key':
        raws.set(match.def, { raw: (env[name] ?? '').trim(), origin });
        break;
      case 'grafana-key':
        warnings.push(`ignoring ${name} ([${match.section}] ${match.key}): ${ignoredKeyNote(match.section, match.key)}`);
        break;
      case 'unknown-key':
        throw unknownKey(match.section, match.key, origin);
      case 'no-section':
        warnings.push(`ignoring ${name}: no livehub configuration section matches it`);
        break;
    }
  }
}

function applyValue(config: LiveHubConfig, def: ConfigKey, value: RawValue, env: NodeJS.ProcessEnv): void {
  let expanded = value.raw;
  try {
    expanded = value.origin.kind === 'default' ? value.raw : expandValue(value.raw, { env });
    def.apply(config, expanded);
  } catch (err) {
    if (!(err instanceof ValueProblem)) throw err;
    throw invalidValue(def, value.origin, expanded, err);
  }
}

function invalidValue(def: ConfigKey, origin: ValueOrigin, value: string, problem: ValueProblem): ConfigError {
  const label = keyLabel(def.section, def.key);
  const where = describeOrigin(origin);
  let message: string;
  if (problem.verbatim) {
    message = problem.message.includes(label) ? `${problem.message} (${where})` : `${problem.message} (${label} ${where})`;
  } else {
    const shown = def.secret ? '<redacted>' : JSON.stringify(value);
    message = `invalid value ${shown} for ${label} (${where}): ${problem.message}`;
  }
  return new ConfigError(message, {
    section: def.section,
    key: def.key,
    origin,
    value: def.secret ? undefined : value,
  });
}

/** Derived values and rules that involve more than one key. */
function finish(config: LiveHubConfig, raws: Map<ConfigKey, RawValue>, warnings: string[], notices: string[]): LiveHubConfig {
  if (config.apiTokens.file === '') config.apiTokens.file = join(config.paths.data, 'api-tokens.json');

  const jwtReport = checkJwtConfig(config.jwt, (key) => {
    const origin = [...raws].find(([k]) => k.section === 'auth.jwt' && k.key === key)?.[1].origin;
    return origin === undefined || origin.kind === 'default' ? undefined : origin;
  });
  warnings.push(...jwtReport.warnings);
  notices.push(...jwtReport.notices);
  if (config.live.pongTimeoutSeconds >= config.live.pingIntervalSeconds) {
    warnings.push(
      `[live] pong_timeout (${config.live.pongTimeoutSeconds}s) is not shorter than ping_interval (${config.live.pingIntervalSeconds}s); ` +
        'a missing pong is then noticed only after the next ping',
    );
  }
  return config;
}

/** Placeholder shape that every schema entry overwrites (each key applies its default at least). */
function blankConfig(): LiveHubConfig {
  return {
    server: { httpAddr: '', httpPort: 0, rootUrl: '', readTimeoutMs: 0, headersTimeoutMs: 0, maxJsonDepth: 0 },
    live: {
      maxConnections: 0,
      allowedOrigins: [],
      messageSizeLimit: 0,
      clientQueueMaxSize: 0,
      haEngine: '',
      haEngineAddress: '',
      haEnginePassword: '',
      haPrefix: '',
      haEngineRequired: false,
      haEngineWaitReplicas: 0,
      haEngineWaitTimeoutMs: 0,
      haSentinelMasterName: '',
      haSentinelPassword: '',
      historySize: 0,
      historyTtlSeconds: 0,
      memoryEngineBudget: 0,
      frameCacheTtlSeconds: 0,
      joinLeaveMaxSubscribers: 0,
      transports: [],
      emulationMaxForwards: 0,
      pingIntervalSeconds: 0,
      pongTimeoutSeconds: 0,
      connectTimeoutSeconds: 0,
      maxUnauthenticatedConnections: { count: -1 },
      maxUnauthenticatedConnectionsPerIp: 0,
      pushBodyLimit: 0,
      pushMaxRows: 0,
      pushMaxFrameFields: 0,
      pushMaxValues: 0,
      maxManagedStreamsPerOrg: 0,
      maxManagedChannelsPerOrg: 0,
      managedStreamIdleTimeoutMs: 0,
      listMaxPageSize: 0,
      listMaxResponseBytes: 0,
      clientCommandRate: 0,
      clientCommandBurst: 0,
      strictOrigin: false,
      namespaced: false,
      pluginPaths: [],
      datasourceProvisioning: [],
    },
    security: { csrfTrustedOrigins: [], csrfAdditionalHeaders: [], csrfAlwaysCheck: false },
    httpRateLimit: {
      requests: { perSecond: 0, burst: 0 },
      bytes: { perSecond: 0, burst: 0 },
      anonymousRequests: { perSecond: 0, burst: 0 },
      anonymousBytes: { perSecond: 0, burst: 0 },
      maxKeys: 0,
    },
    anonymous: { enabled: false, orgId: 0, orgRole: 'Viewer' },
    jwt: {
      enabled: false,
      headerName: '',
      urlLogin: false,
      keyFile: '',
      keyValue: '',
      keyId: '',
      jwkSetFile: '',
      jwkSetValue: '',
      jwkSetUrl: '',
      jwkSetBearerTokenFile: '',
      cacheTtlMs: 0,
      tlsClientCa: '',
      tlsSkipVerifyInsecure: false,
      jwkSetTimeoutMs: 0,
      jwkSetMaxBytes: 0,
      jwkSetRefetchCooldownMs: 0,
      hmacSecret: '',
      usernameClaim: '',
      loginClaim: '',
      usernameAttributePath: '',
      emailClaim: '',
      emailAttributePath: '',
      nameAttributePath: '',
      orgIdClaim: '',
      defaultOrgId: 0,
      roleClaim: '',
      roleAttributePath: '',
      roleAttributeStrict: false,
      orgAttributePath: '',
      orgMapping: [],
      groupsAttributePath: '',
      allowAssignGrafanaAdmin: false,
      skipOrgRoleSync: false,
      autoSignUp: false,
      enableLoginToken: false,
      signoutRedirectUrl: '',
      expectClaims: {},
    },
    apiTokens: { file: '' },
    paths: { data: '' },
    database: { type: 'sqlite3', host: '', name: '', user: '', password: '', sslMode: 'disable', path: '' },
    log: { level: 'info', repeatIntervalMs: 0, maxValueLength: 0 },
  };
}
