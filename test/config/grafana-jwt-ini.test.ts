// An [auth.jwt] section copied from a Grafana installation (test/fixtures/grafana/auth-jwt.ini)
// loads unchanged: every key is understood, what livehub cannot apply is named in a start-up line,
// and contradictions between livehub's own keys and Grafana's fail with a clear error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { projectRoot } from '../../harness/project-root.js';
import { loadConfig } from '../../src/config/load.js';
import { configError, iniFile } from './helpers.js';

const FIXTURE = join(projectRoot(), 'test', 'fixtures', 'grafana', 'auth-jwt.ini');

test("Grafana's [auth.jwt] section loads with every documented key applied", () => {
  const { config, warnings, notices } = loadConfig({ file: FIXTURE, env: {} });
  const jwt = config.jwt;
  assert.equal(jwt.enabled, true);
  assert.equal(jwt.headerName, 'X-JWT-Assertion');
  assert.equal(jwt.usernameClaim, 'preferred_username');
  assert.equal(jwt.emailClaim, 'email');
  assert.equal(jwt.jwkSetUrl, 'https://your-auth-provider.example.com/.well-known/jwks.json');
  assert.equal(jwt.cacheTtlMs, 60 * 60_000);
  assert.deepEqual(jwt.expectClaims, { iss: 'https://your-auth-provider.example.com/', aud: 'grafana' });
  assert.equal(jwt.roleAttributePath, "contains(info.roles[*], 'admin') && 'Admin' || contains(info.roles[*], 'editor') && 'Editor' || 'Viewer'");
  assert.equal(jwt.orgAttributePath, 'info.orgs');
  assert.deepEqual(jwt.orgMapping, ['engineer:1:Viewer', 'admin:2:Editor', '*:3:Viewer', 'contractors:org_contractors:Viewer']);
  assert.equal(jwt.autoSignUp, true);
  assert.equal(jwt.urlLogin, true);
  // What livehub cannot apply is said once at start-up, never silently dropped.
  assert.deepEqual(warnings, [
    '[auth.jwt] org_mapping entry "contractors:org_contractors:Viewer": livehub has no organization names, use the numeric org id instead of "org_contractors"; entry skipped',
  ]);
  assert.ok(notices.includes('[auth.jwt] groups_attribute_path: not applicable, livehub has no teams'), notices.join('\n'));
  assert.match(notices.at(-1)!, /^JWT authentication: keys from jwk_set_url https:\/\/your-auth-provider\.example\.com\/\.well-known\/jwks\.json \(cache_ttl 3600s\); login from claim preferred_username; role from role_attribute_path contains/);
});

test('the same settings as GF_AUTH_JWT_* variables load too', () => {
  const { config } = loadConfig({
    env: {
      GF_AUTH_JWT_ENABLED: 'true',
      GF_AUTH_JWT_JWK_SET_URL: 'https://idp.example/jwks',
      GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH: "contains(roles[*], 'admin') && 'Admin' || 'Viewer'",
      GF_AUTH_JWT_ORG_MAPPING: 'group1:1:Editor, group2:2:Viewer',
      GF_AUTH_JWT_CACHE_TTL: '0s',
      GF_AUTH_JWT_KEY_ID: 'k1',
    },
  });
  assert.deepEqual(config.jwt.orgMapping, ['group1:1:Editor', 'group2:2:Viewer']);
  assert.equal(config.jwt.cacheTtlMs, 0);
  assert.equal(config.jwt.keyId, 'k1');
});

test("not-applicable and differently-behaving Grafana keys are named at start-up", () => {
  const file = iniFile(
    '[auth.jwt]', 'enabled = true', 'jwk_set_url = http://127.0.0.1:9/jwks', 'cache_ttl = 0', 'auto_sign_up = false', 'url_login = false',
    'skip_org_role_sync = true', 'tls_skip_verify_insecure = true', 'enable_login_token = true', 'allow_assign_grafana_admin = true',
    'signout_redirect_url = https://idp.example/logout', 'org_attribute_path = groups', 'expected_claims = {"aud": "x"}',
  );
  const { warnings, notices } = loadConfig({ file, env: {} });
  const text = [...warnings, ...notices].join('\n');
  for (const fragment of [
    'expected_claims', 'the key is expect_claims', 'auto_sign_up = false', 'url_login = false', 'skip_org_role_sync = true',
    'tls_skip_verify_insecure = true', 'cache_ttl = 0', 'enable_login_token', 'allow_assign_grafana_admin', 'signout_redirect_url',
    'org_attribute_path has no effect without org_mapping', 'role from Viewer (skip_org_role_sync)',
  ]) {
    assert.ok(text.includes(fragment), `start-up lines lack ${JSON.stringify(fragment)}:\n${text}`);
  }
});

test("livehub's own keys are aliases; contradicting Grafana's keys fails start-up", () => {
  assert.equal(loadConfig({ file: iniFile('[auth.jwt]', 'login_claim = email'), env: {} }).config.jwt.loginClaim, 'email');
  assert.throws(
    () => loadConfig({ file: iniFile('[auth.jwt]', 'login_claim = email', 'username_claim = login'), env: {} }),
    configError('[auth.jwt] login_claim and username_claim are both set', 'set only one'),
  );
  assert.throws(
    () => loadConfig({ env: { GF_AUTH_JWT_ROLE_CLAIM: 'grafana_role', GF_AUTH_JWT_ROLE_ATTRIBUTE_PATH: 'role' } }),
    configError('[auth.jwt] role_claim and role_attribute_path are both set', 'GF_AUTH_JWT_ROLE_CLAIM'),
  );
  // The same claim under both names is no contradiction.
  assert.equal(loadConfig({ file: iniFile('[auth.jwt]', 'login_claim = email', 'username_claim = email'), env: {} }).config.jwt.usernameClaim, 'email');
});

test('jwk_set_url must be https, or http on a loopback address', () => {
  for (const ok of ['https://idp.example/jwks', 'http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks']) {
    assert.equal(loadConfig({ env: { GF_AUTH_JWT_JWK_SET_URL: ok } }).config.jwt.jwkSetUrl, ok);
  }
  assert.throws(() => loadConfig({ env: { GF_AUTH_JWT_JWK_SET_URL: 'http://10.0.0.5/jwks' } }), configError('jwk_set_url', 'https://'));
  assert.throws(() => loadConfig({ env: { GF_AUTH_JWT_JWK_SET_URL: 'not a url' } }), configError('jwk_set_url', 'absolute URL'));
});
