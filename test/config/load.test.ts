// loadConfig: defaults < INI file < GF_* env vars, env mapping, unknown keys and sections, warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { defaultConfig, loadConfig, matchEnvVar } from '../../src/config/load.js';
import { resolveUnauthenticatedLimit } from '../../src/live/admission.js';
import type { LiveHubConfig } from '../../src/config/types.js';
import { configError, iniFile, tempDir } from './helpers.js';

const DEFAULTS: LiveHubConfig = {
  server: { httpAddr: '', httpPort: 3000, rootUrl: 'http://localhost:3000/', readTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxJsonDepth: 128 },
  live: {
    maxConnections: 100,
    allowedOrigins: [],
    messageSizeLimit: 65536,
    clientQueueMaxSize: 4194304,
    haEngine: '',
    haEngineAddress: '127.0.0.1:6379',
    haEnginePassword: '',
    haPrefix: '',
    haEngineRequired: false,
    haEngineWaitReplicas: 0,
    haEngineWaitTimeoutMs: 1000,
    haSentinelMasterName: '',
    haSentinelPassword: '',
    historySize: 100,
    historyTtlSeconds: 300,
    memoryEngineBudget: 268435456,
    frameCacheTtlSeconds: 3600,
    joinLeaveMaxSubscribers: 100,
    transports: ['websocket', 'http_stream', 'sse'],
    emulationMaxForwards: 1000,
    pingIntervalSeconds: 25,
    pongTimeoutSeconds: 10,
    connectTimeoutSeconds: 15,
    maxUnauthenticatedConnections: { percent: 90 },
    maxUnauthenticatedConnectionsPerIp: 16,
    pushBodyLimit: 16777216,
    pushMaxRows: 50000,
    pushMaxFrameFields: 1000,
    pushMaxValues: 1000000,
    maxManagedStreamsPerOrg: 1000,
    maxManagedChannelsPerOrg: 10000,
    managedStreamIdleTimeoutMs: 3_600_000,
    listMaxPageSize: 1000,
    listMaxResponseBytes: 4194304,
    clientCommandRate: 100,
    clientCommandBurst: 200,
    strictOrigin: false,
    namespaced: false,
    pluginPaths: [],
    datasourceProvisioning: [],
  },
  security: { csrfTrustedOrigins: [], csrfAdditionalHeaders: [], csrfAlwaysCheck: false },
  httpRateLimit: {
    requests: { perSecond: 100, burst: 200 },
    bytes: { perSecond: 16 * 1024 * 1024, burst: 32 * 1024 * 1024 },
    anonymousRequests: { perSecond: 50, burst: 100 },
    anonymousBytes: { perSecond: 256 * 1024, burst: 1024 * 1024 },
    maxKeys: 20_000,
  },
  anonymous: { enabled: true, orgId: 1, orgRole: 'Viewer' },
  jwt: {
    enabled: false,
    headerName: 'Authorization',
    urlLogin: false,
    keyFile: '',
    keyValue: '',
    keyId: '',
    jwkSetFile: '',
    jwkSetValue: '',
    jwkSetUrl: '',
    jwkSetBearerTokenFile: '',
    cacheTtlMs: 3_600_000,
    tlsClientCa: '',
    tlsSkipVerifyInsecure: false,
    jwkSetTimeoutMs: 10_000,
    jwkSetMaxBytes: 1_048_576,
    jwkSetRefetchCooldownMs: 10_000,
    hmacSecret: '',
    usernameClaim: '',
    loginClaim: '',
    usernameAttributePath: '',
    emailClaim: '',
    emailAttributePath: '',
    nameAttributePath: '',
    orgIdClaim: 'org_id',
    defaultOrgId: 1,
    roleClaim: 'role',
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
  apiTokens: { file: join('data', 'api-tokens.json') },
  paths: { data: 'data' },
  database: { type: 'sqlite3', host: '127.0.0.1:5432', name: 'livehub', user: 'livehub', password: '', sslMode: 'disable', path: 'livehub.db' },
  log: { level: 'info', repeatIntervalMs: 60_000, maxValueLength: 512 },
};

test('defaults match the documented values', () => {
  const { config, warnings } = loadConfig({ env: {} });
  assert.deepEqual(config, DEFAULTS);
  assert.deepEqual(warnings, []);
  assert.deepEqual(defaultConfig(), DEFAULTS);
});

test('an INI file overrides defaults', () => {
  const file = iniFile(
    '[server]',
    'http_port = 3001',
    'root_url = https://grafana.example.com',
    '[live]',
    'max_connections = -1',
    'allowed_origins = https://*.example.com, , http://localhost:8080',
    'ha_engine = redis',
    'message_size_limit = 1MiB',
    'ping_interval = 1m',
    'history_ttl = 2m',
    '[auth.anonymous]',
    'enabled = false',
    'org_role = editor',
    '[auth.jwt]',
    'enabled = true',
    'hmac_secret = "0123456789abcdef0123456789abcdef"',
    'expect_claims = {"iss": "https://idp", "aud": ["livehub"]}',
    '[paths]',
    'data = /var/lib/livehub',
    '[log]',
    'level = DEBUG',
  );
  const { config } = loadConfig({ file, env: {} });
  assert.equal(config.server.httpPort, 3001);
  assert.equal(config.server.rootUrl, 'https://grafana.example.com/');
  assert.equal(config.live.maxConnections, -1);
  assert.deepEqual(config.live.allowedOrigins, ['https://*.example.com', 'http://localhost:8080']);
  assert.equal(config.live.haEngine, 'redis');
  assert.equal(config.live.messageSizeLimit, 1048576);
  assert.equal(config.live.pingIntervalSeconds, 60);
  assert.equal(config.live.historyTtlSeconds, 120);
  assert.equal(config.anonymous.enabled, false);
  assert.equal(config.anonymous.orgRole, 'Editor');
  assert.equal(config.jwt.enabled, true);
  assert.equal(config.jwt.hmacSecret, '0123456789abcdef0123456789abcdef');
  assert.deepEqual(config.jwt.expectClaims, { iss: 'https://idp', aud: ['livehub'] });
  assert.equal(config.paths.data, '/var/lib/livehub');
  assert.equal(config.apiTokens.file, join('/var/lib/livehub', 'api-tokens.json'));
  assert.equal(config.log.level, 'debug');
});

test('env vars override the file, which overrides defaults', () => {
  const file = iniFile('[server]', 'http_port = 3001', 'http_addr = 127.0.0.1', '[live]', 'max_connections = 5');
  const { config } = loadConfig({ file, env: { GF_SERVER_HTTP_PORT: '3002', GF_LIVE_MAX_CONNECTIONS: '-1' } });
  assert.equal(config.server.httpPort, 3002, 'env beats file');
  assert.equal(config.server.httpAddr, '127.0.0.1', 'file beats default');
  assert.equal(config.live.maxConnections, -1);
  assert.equal(config.live.historySize, 100, 'untouched default');
});

test('env vars map to dotted sections by the longest section prefix', () => {
  const { config } = loadConfig({
    env: {
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Editor',
      GF_AUTH_ANONYMOUS_ORG_ID: '7',
      GF_AUTH_JWT_ENABLED: 'true',
      GF_AUTH_JWT_HMAC_SECRET: 'a-secret-that-is-long-enough-for-hs256',
      GF_AUTH_JWT_ORG_ID_CLAIM: 'tenant',
      GF_AUTH_API_TOKENS_FILE: '/etc/livehub/tokens.json',
    },
  });
  assert.equal(config.anonymous.enabled, false);
  assert.equal(config.anonymous.orgRole, 'Editor');
  assert.equal(config.anonymous.orgId, 7);
  assert.equal(config.jwt.enabled, true);
  assert.equal(config.jwt.hmacSecret, 'a-secret-that-is-long-enough-for-hs256');
  assert.equal(config.jwt.orgIdClaim, 'tenant');
  assert.equal(config.apiTokens.file, '/etc/livehub/tokens.json');
});

test('matchEnvVar resolves sections, keys, Grafana keys and strangers', () => {
  const hit = matchEnvVar('GF_AUTH_ANONYMOUS_ENABLED');
  assert.ok(hit.kind === 'key' && hit.def.section === 'auth.anonymous' && hit.def.key === 'enabled');
  assert.deepEqual(matchEnvVar('GF_LIVE_MAX_CONECTIONS'), { kind: 'unknown-key', section: 'live', key: 'max_conections' });
  assert.deepEqual(matchEnvVar('GF_PATHS_PROVISIONING'), { kind: 'grafana-key', section: 'paths', key: 'provisioning' });
  assert.deepEqual(matchEnvVar('GF_SECURITY_ADMIN_PASSWORD'), { kind: 'grafana-key', section: 'security', key: 'admin_password' });
  assert.deepEqual(matchEnvVar('GF_SMTP_HOST'), { kind: 'no-section' });
  assert.deepEqual(matchEnvVar('GF_LOG_CONSOLE_LEVEL'), { kind: 'no-section' });
  assert.deepEqual(matchEnvVar('GF_AUTH_DISABLE_LOGIN_FORM'), { kind: 'no-section' });
});

test('an unknown key in a known section is an error, from env or file', () => {
  assert.throws(
    () => loadConfig({ env: { GF_LIVE_MAX_CONECTIONS: '5' } }),
    configError('unknown configuration key [live] max_conections (from GF_LIVE_MAX_CONECTIONS)'),
  );
  const file = iniFile('[live]', 'max_conections = 5');
  assert.throws(() => loadConfig({ file, env: {} }), configError('unknown configuration key [live] max_conections', `${file}:2`));
  const top = iniFile('nonsense = 1');
  assert.throws(() => loadConfig({ file: top, env: {} }), configError('unknown configuration key nonsense', `${top}:1`));
});

test('an unknown section in the file is an error naming section and line', () => {
  const file = iniFile('[live]', 'max_connections = 5', '', '[databse]', 'type = sqlite');
  assert.throws(() => loadConfig({ file, env: {} }), configError('unknown configuration section [databse]', `${file}:4`));
});

test('GF_ vars of other sections and Grafana-only keys are ignored with a warning', () => {
  const { config, warnings } = loadConfig({
    env: {
      GF_SECURITY_ADMIN_PASSWORD: 'x',
      GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
      GF_AUTH_ANONYMOUS_ORG_NAME: 'Main Org.',
      PATH: '/usr/bin',
      GF_SERVER_HTTP_PORT: '4000',
    },
  });
  assert.equal(config.server.httpPort, 4000);
  assert.equal(warnings.length, 3);
  assert.ok(warnings.some((w) => w.includes('GF_SECURITY_ADMIN_PASSWORD')));
  assert.ok(warnings.some((w) => w.includes('GF_PATHS_PROVISIONING') && w.includes('[paths] provisioning')));
  assert.ok(warnings.some((w) => w.includes('GF_AUTH_ANONYMOUS_ORG_NAME')));
  assert.ok(!warnings.some((w) => w.includes('PATH=')));
});

test("a grafana.ini [security] section: the csrf keys apply, Grafana's other keys warn", () => {
  const file = iniFile(
    '[security]',
    'admin_password = secret',
    'cookie_samesite = strict',
    'csrf_trusted_origins = grafana.example.com https://Other.Example:8443, third.example:3000',
    'csrf_additional_headers = X-Forwarded-Host',
    'csrf_always_check = true',
  );
  const { config, warnings } = loadConfig({ file, env: {} });
  assert.deepEqual(config.security, {
    csrfTrustedOrigins: ['grafana.example.com', 'other.example', 'third.example'],
    csrfAdditionalHeaders: ['x-forwarded-host'],
    csrfAlwaysCheck: true,
  });
  assert.equal(warnings.length, 2);
  assert.ok(warnings.some((w) => w.includes('[security] admin_password')));
});

test('Grafana-only keys in the file are ignored with a warning naming the line', () => {
  const file = iniFile('app_mode = production', '[server]', 'domain = example.com');
  const { warnings } = loadConfig({ file, env: {} });
  assert.deepEqual(warnings.length, 2);
  assert.ok(warnings[1]!.includes('[server] domain') && warnings[1]!.includes(`${file}:3`));
});

test('a missing config file is an error naming the path', () => {
  const missing = join(tempDir(), 'nope.ini');
  assert.throws(() => loadConfig({ file: missing, env: {} }), configError('configuration file not found', missing));
});

test('$__env{}, ${} and $__file{} are expanded in file and env values', () => {
  const dir = tempDir();
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'redis-password-from-file\n');
  const file = iniFile('[live]', 'ha_engine_address = $__env{REDIS_HOST}:${REDIS_PORT}', `ha_engine_password = $__file{${secretFile}}`);
  const { config } = loadConfig({
    file,
    env: { REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', GF_LIVE_HA_PREFIX: 'app-$__env{STAGE}', STAGE: 'prod' },
  });
  assert.equal(config.live.haEngineAddress, 'redis.internal:6380');
  assert.equal(config.live.haEnginePassword, 'redis-password-from-file');
  assert.equal(config.live.haPrefix, 'app-prod');
});

test('an unreadable $__file{} is an error naming the key', () => {
  const file = iniFile('[auth.jwt]', 'hmac_secret = $__file{/nonexistent/secret}');
  assert.throws(() => loadConfig({ file, env: {} }), configError('[auth.jwt] hmac_secret', `${file}:2`, '/nonexistent/secret'));
});

test('empty values of typed keys mean the default', () => {
  const { config } = loadConfig({ env: { GF_LIVE_MAX_CONNECTIONS: '', GF_AUTH_ANONYMOUS_ENABLED: ' ' } });
  assert.equal(config.live.maxConnections, 100);
  assert.equal(config.anonymous.enabled, true);
});

test('max_unauthenticated_connections takes a count or a share of max_connections', () => {
  const share = loadConfig({ env: { GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '75%' } }).config.live;
  assert.deepEqual(share.maxUnauthenticatedConnections, { percent: 75 });
  assert.equal(resolveUnauthenticatedLimit(share.maxUnauthenticatedConnections, 100), 75);
  assert.equal(resolveUnauthenticatedLimit(share.maxUnauthenticatedConnections, 10), 7, 'rounded down');
  assert.equal(resolveUnauthenticatedLimit(share.maxUnauthenticatedConnections, -1), -1, 'no cap without max_connections');
  const count = loadConfig({ env: { GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '40' } }).config.live;
  assert.deepEqual(count.maxUnauthenticatedConnections, { count: 40 });
  assert.equal(resolveUnauthenticatedLimit(count.maxUnauthenticatedConnections, 100), 40);
  const empty = loadConfig({ env: { GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '' } }).config.live;
  assert.deepEqual(empty.maxUnauthenticatedConnections, { percent: 90 }, 'empty means the default');
});

test('the last assignment of a repeated key wins', () => {
  const file = iniFile('[live]', 'history_size = 1', 'history_size = 2');
  assert.equal(loadConfig({ file, env: {} }).config.live.historySize, 2);
});

test('JWT enabled without any key source is an error', () => {
  assert.throws(
    () => loadConfig({ env: { GF_AUTH_JWT_ENABLED: 'true' } }),
    configError('[auth.jwt] enabled needs key_file, key_value, jwk_set_file, jwk_set_value, jwk_set_url or hmac_secret', 'GF_AUTH_JWT_ENABLED'),
  );
});

test('pong_timeout not shorter than ping_interval gives a warning', () => {
  const { warnings } = loadConfig({ env: { GF_LIVE_PING_INTERVAL: '5', GF_LIVE_PONG_TIMEOUT: '5' } });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /pong_timeout/);
});
