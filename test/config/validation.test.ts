// Every invalid value is a ConfigError naming section, key, source and value; Grafana's own
// messages are kept for [live] keys. A meta-test makes sure no validated key is left out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { CONFIG_KEYS } from '../../src/config/schema.js';
import { configError, iniFile } from './helpers.js';

// env var, invalid value, fragments the message must contain (besides section/key and source).
const INVALID: [string, string, string[]][] = [
  ['GF_SERVER_HTTP_PORT', '70000', ['"70000"', 'port']],
  ['GF_SERVER_HTTP_PORT', 'abc', ['"abc"', 'integer']],
  ['GF_SERVER_ROOT_URL', 'not a url', ['"not a url"', 'absolute URL']],
  ['GF_SERVER_ROOT_URL', 'ftp://x/', ['http']],
  ['GF_SERVER_READ_TIMEOUT', '10 parsecs', ['"10 parsecs"', 'duration']],
  ['GF_LIVE_MAX_CONNECTIONS', '-2', ['unexpected value -2 for [live] max_connections']],
  ['GF_LIVE_MAX_CONNECTIONS', '1.5', ['"1.5"', 'integer']],
  ['GF_LIVE_ALLOWED_ORIGINS', 'https://ok.example, https://[bad', ['https://[bad', 'glob']],
  ['GF_LIVE_MESSAGE_SIZE_LIMIT', '-5', ['unexpected value -5 for [live] message_size_limit']],
  ['GF_LIVE_MESSAGE_SIZE_LIMIT', '12 parsecs', ['"12 parsecs"', 'bytes']],
  ['GF_LIVE_CLIENT_QUEUE_MAX_SIZE', '0', ['unexpected value 0 for [live] client_queue_max_size']],
  ['GF_LIVE_HA_ENGINE', 'memcached', ['unsupported live HA engine type: memcached', '[live] ha_engine']],
  ['GF_LIVE_HA_ENGINE_ADDRESS', '', ['must not be empty']],
  ['GF_LIVE_HISTORY_SIZE', '-1', ['"-1"', 'at least 0']],
  ['GF_LIVE_HISTORY_TTL', '1500ms', ['"1500ms"', 'whole number of seconds']],
  ['GF_LIVE_MEMORY_ENGINE_BUDGET', '1KiB', ['"1KiB"', 'at least 65536']],
  ['GF_LIVE_MEMORY_ENGINE_BUDGET', 'lots', ['"lots"', 'bytes']],
  ['GF_LIVE_FRAME_CACHE_TTL', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_JOIN_LEAVE_MAX_SUBSCRIBERS', '-2', ['"-2"', 'at least -1']],
  ['GF_LIVE_TRANSPORTS', 'websocket,webtransport', ['unknown Live transport "webtransport"', 'http_stream']],
  ['GF_LIVE_EMULATION_MAX_FORWARDS', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_PING_INTERVAL', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_PONG_TIMEOUT', 'soon', ['"soon"', 'duration']],
  ['GF_LIVE_CONNECT_TIMEOUT', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS', '120%', ['"120%"', 'percentage between 0% and 100%']],
  ['GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS', 'half', ['"half"', 'integer']],
  ['GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS', '-2', ['unexpected value -2 for [live] max_unauthenticated_connections']],
  ['GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS_PER_IP', '-2', ['unexpected value -2 for [live] max_unauthenticated_connections_per_ip']],
  ['GF_LIVE_HA_ENGINE_REQUIRED', 'maybe', ['"maybe"', 'boolean']],
  ['GF_LIVE_HA_ENGINE_WAIT_REPLICAS', '-1', ['"-1"', 'between 0 and 100']],
  ['GF_LIVE_HA_ENGINE_WAIT_TIMEOUT', '5s', ['"5s"', 'between 10ms and 3s']],
  ['GF_LIVE_PUSH_BODY_LIMIT', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_PUSH_MAX_ROWS', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_PUSH_MAX_FRAME_FIELDS', '2', ['"2"', 'at least 3']],
  ['GF_LIVE_PUSH_MAX_VALUES', 'many', ['"many"', 'integer']],
  ['GF_LIVE_MAX_MANAGED_STREAMS_PER_ORG', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_MAX_MANAGED_CHANNELS_PER_ORG', '-1', ['"-1"', 'at least 1']],
  ['GF_LIVE_MANAGED_STREAM_IDLE_TIMEOUT', '1500ms', ['"1500ms"', 'whole number of seconds']],
  ['GF_LIVE_LIST_MAX_PAGE_SIZE', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_LIST_MAX_RESPONSE_BYTES', '1000', ['"1000"', 'at least 65536']],
  ['GF_LIVE_NAMESPACED', 'maybe', ['"maybe"', 'boolean']],
  ['GF_SERVER_HEADERS_TIMEOUT', '0', ['"0"', 'at least 1']],
  ['GF_SERVER_HEADERS_TIMEOUT', 'soon', ['"soon"', 'duration']],
  ['GF_LIVE_CLIENT_COMMAND_RATE', '-1', ['"-1"', 'at least 0']],
  ['GF_LIVE_CLIENT_COMMAND_RATE', 'fast', ['"fast"', 'integer']],
  ['GF_LIVE_CLIENT_COMMAND_BURST', '0', ['"0"', 'at least 1']],
  ['GF_LIVE_STRICT_ORIGIN', 'sometimes', ['"sometimes"', 'boolean']],
  ['GF_AUTH_ANONYMOUS_ENABLED', 'yesplease', ['"yesplease"', 'boolean']],
  ['GF_AUTH_ANONYMOUS_ORG_ID', '0', ['"0"', 'at least 1']],
  ['GF_AUTH_ANONYMOUS_ORG_ROLE', 'Owner', ['"Owner"', 'Viewer, Editor, Admin']],
  ['GF_AUTH_JWT_ENABLED', 'nah', ['"nah"', 'boolean']],
  ['GF_AUTH_JWT_HEADER_NAME', 'X Bad Header', ['"X Bad Header"', 'header name']],
  ['GF_AUTH_JWT_URL_LOGIN', '2', ['"2"', 'boolean']],
  ['GF_AUTH_JWT_HMAC_SECRET', 'short', ['<redacted>', '32 bytes']],
  ['GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH', 'contains((', ['JMESPath']],
  ['GF_AUTH_JWT_JWK_SET_URL', 'http://idp.example/jwks', ['https://']],
  ['GF_AUTH_JWT_EXPECT_CLAIMS', '{"iss": 3}', ['"iss" must be a string']],
  ['GF_AUTH_JWT_ORG_MAPPING', '["a:1", 2]', ['JSON array']],
  ['GF_AUTH_JWT_CACHE_TTL', 'an hour', ['"an hour"', 'duration']],
  ['GF_AUTH_JWT_TLS_SKIP_VERIFY_INSECURE', 'perhaps', ['"perhaps"', 'boolean']],
  ['GF_AUTH_JWT_JWK_SET_TIMEOUT', '10ms', ['"10ms"', 'at least 100']],
  ['GF_AUTH_JWT_JWK_SET_MAX_BYTES', '10', ['"10"', 'at least 1024']],
  ['GF_AUTH_JWT_JWK_SET_REFETCH_COOLDOWN', 'soon', ['"soon"', 'duration']],
  ['GF_AUTH_JWT_USERNAME_ATTRIBUTE_PATH', 'user.', ['JMESPath']],
  ['GF_AUTH_JWT_EMAIL_ATTRIBUTE_PATH', 'emails[', ['JMESPath']],
  ['GF_AUTH_JWT_NAME_ATTRIBUTE_PATH', '&&', ['JMESPath']],
  ['GF_AUTH_JWT_ROLE_ATTRIBUTE_STRICT', 'strictly', ['"strictly"', 'boolean']],
  ['GF_AUTH_JWT_ORG_ATTRIBUTE_PATH', 'info.orgs[', ['JMESPath']],
  ['GF_AUTH_JWT_GROUPS_ATTRIBUTE_PATH', 'groups[', ['JMESPath']],
  ['GF_AUTH_JWT_SKIP_ORG_ROLE_SYNC', 'skip', ['"skip"', 'boolean']],
  ['GF_AUTH_JWT_ALLOW_ASSIGN_GRAFANA_ADMIN', 'admin', ['"admin"', 'boolean']],
  ['GF_AUTH_JWT_AUTO_SIGN_UP', 'auto', ['"auto"', 'boolean']],
  ['GF_AUTH_JWT_ENABLE_LOGIN_TOKEN', 'token', ['"token"', 'boolean']],
  ['GF_AUTH_JWT_ORG_ID_CLAIM', '', ['must not be empty']],
  ['GF_AUTH_JWT_DEFAULT_ORG_ID', '-3', ['"-3"', 'at least 1']],
  ['GF_AUTH_JWT_ROLE_CLAIM', '', ['must not be empty']],
  ['GF_AUTH_JWT_EXPECT_CLAIMS', '["iss"]', ['JSON object']],
  ['GF_AUTH_JWT_EXPECT_CLAIMS', '{iss:', ['JSON object']],
  ['GF_PATHS_DATA', '', ['must not be empty']],
  ['GF_LIVE_PLUGIN_PATHS', 'plugins/streams.ts', ['"plugins/streams.ts"', 'JavaScript']],
  ['GF_LIVE_DATASOURCE_PROVISIONING', 'conf/datasources.txt', ['"conf/datasources.txt"', '.yaml']],
  ['GF_DATABASE_TYPE', 'mysql', ['"mysql"', 'sqlite3 or postgres']],
  ['GF_DATABASE_HOST', 'db.example:port', ['"db.example:port"', 'port']],
  ['GF_DATABASE_NAME', '', ['must not be empty']],
  ['GF_DATABASE_USER', '', ['must not be empty']],
  ['GF_DATABASE_SSL_MODE', 'prefer', ['"prefer"', 'disable, require, verify-ca, verify-full']],
  ['GF_DATABASE_PATH', '', ['must not be empty']],
  ['GF_LOG_LEVEL', 'loud', ['"loud"', 'debug, info, warn, error']],
  ['GF_LOG_REPEAT_INTERVAL', '10ms', ['"10ms"', 'at least 100']],
  ['GF_LOG_MAX_VALUE_LENGTH', '8', ['"8"', 'at least 32']],
  ['GF_SERVER_MAX_JSON_DEPTH', '0', ['"0"', 'between 1 and 10000']],
  ['GF_SECURITY_CSRF_TRUSTED_ORIGINS', 'ok.example https://[bad', ['https://[bad', 'host name']],
  ['GF_SECURITY_CSRF_ADDITIONAL_HEADERS', 'X-Forwarded-Host X(bad)', ['X(bad)', 'header name']],
  ['GF_SECURITY_CSRF_ALWAYS_CHECK', 'often', ['"often"', 'boolean']],
  ['GF_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND', '-1', ['"-1"', 'at least 0']],
  ['GF_HTTP_RATE_LIMIT_REQUEST_BURST', '0', ['"0"', 'at least 1']],
  ['GF_HTTP_RATE_LIMIT_BYTES_PER_SECOND', 'lots', ['"lots"', 'bytes']],
  ['GF_HTTP_RATE_LIMIT_BYTES_BURST', '0', ['"0"', 'at least 1']],
  ['GF_HTTP_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_SECOND', '1.5', ['"1.5"', 'integer']],
  ['GF_HTTP_RATE_LIMIT_ANONYMOUS_REQUEST_BURST', '0', ['"0"', 'at least 1']],
  ['GF_HTTP_RATE_LIMIT_ANONYMOUS_BYTES_PER_SECOND', '-1', ['"-1"', 'at least 0']],
  ['GF_HTTP_RATE_LIMIT_ANONYMOUS_BYTES_BURST', '0', ['"0"', 'at least 1']],
  ['GF_HTTP_RATE_LIMIT_MAX_KEYS', '0', ['"0"', 'between 1 and 10000000']],
];

for (const [envVar, value, fragments] of INVALID) {
  test(`${envVar}=${JSON.stringify(value)} is rejected with section, key and source`, () => {
    const def = CONFIG_KEYS.find((k) => k.envVar === envVar);
    assert.ok(def, `no schema key for ${envVar}`);
    assert.throws(
      () => loadConfig({ env: { [envVar]: value } }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.section, def.section);
        assert.equal(err.key, def.key);
        assert.deepEqual(err.origin, { kind: 'env', name: envVar });
        return configError(`[${def.section}] ${def.key}`, `from ${envVar}`, ...fragments)(err);
      },
    );
  });
}

test('every key with validation has an invalid-value case above', () => {
  // Plain strings that accept anything (including "") need no case.
  const freeText = new Set(['http_addr', 'ha_engine_password', 'ha_prefix', 'ha_sentinel_master_name', 'ha_sentinel_password', 'key_file', 'jwk_set_file', 'file', 'password',
    'key_value', 'key_id', 'jwk_set_value', 'jwk_set_bearer_token_file', 'tls_client_ca', 'username_claim', 'login_claim', 'email_claim', 'signout_redirect_url']);
  for (const def of CONFIG_KEYS) {
    if (def.type === 'string' && freeText.has(def.key)) continue;
    assert.ok(INVALID.some(([envVar]) => envVar === def.envVar), `no invalid-value test for [${def.section}] ${def.key}`);
  }
});

test('file errors name the file and line', () => {
  const file = iniFile('[live]', '; comment', 'max_connections = -7');
  assert.throws(() => loadConfig({ file, env: {} }), configError('unexpected value -7 for [live] max_connections', `at ${file}:3`));
  const file2 = iniFile('[auth.anonymous]', 'org_role = Superuser');
  assert.throws(() => loadConfig({ file: file2, env: {} }), configError('"Superuser"', '[auth.anonymous] org_role', `${file2}:2`));
});

test('secret values are never echoed', () => {
  assert.throws(
    () => loadConfig({ env: { GF_AUTH_JWT_HMAC_SECRET: 'hunter2' } }),
    (err: unknown) => err instanceof ConfigError && !err.message.includes('hunter2') && err.value === undefined,
  );
});

test('accepted edge values', () => {
  const { config } = loadConfig({
    env: {
      GF_SERVER_HTTP_PORT: '0',
      GF_LIVE_MAX_CONNECTIONS: '0',
      GF_LIVE_MESSAGE_SIZE_LIMIT: '-1',
      GF_LIVE_CLIENT_QUEUE_MAX_SIZE: '64KiB',
      GF_LIVE_PUSH_BODY_LIMIT: '1MB',
      GF_LIVE_HISTORY_SIZE: '0',
      GF_LIVE_NAMESPACED: 'YES',
      GF_SERVER_READ_TIMEOUT: '1m30s',
      GF_LIVE_ALLOWED_ORIGINS: '*',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'ADMIN',
      GF_LIVE_HA_ENGINE_ADDRESS: 'rediss://user:pw@redis:6380/2',
    },
  });
  assert.equal(config.server.httpPort, 0);
  assert.equal(config.live.maxConnections, 0);
  assert.equal(config.live.messageSizeLimit, -1);
  assert.equal(config.live.clientQueueMaxSize, 65536);
  assert.equal(config.live.pushBodyLimit, 1_000_000);
  assert.equal(config.live.historySize, 0);
  assert.equal(config.live.namespaced, true);
  assert.equal(config.server.readTimeoutMs, 90_000);
  assert.deepEqual(config.live.allowedOrigins, ['*']);
  assert.equal(config.anonymous.orgRole, 'Admin');
  assert.equal(config.live.haEngineAddress, 'rediss://user:pw@redis:6380/2');
});
