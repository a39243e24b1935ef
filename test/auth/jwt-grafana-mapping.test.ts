// Grafana's [auth.jwt] identity mapping, checked against the examples of Grafana's "Configure JWT
// authentication" page: username/email claims and JMESPath attribute paths, role_attribute_path
// (with GrafanaAdmin and None), role_attribute_strict, org_attribute_path + org_mapping (wildcards,
// separators, escapes, the higher role winning), skip_org_role_sync, expect_claims, key_id and the
// inline key_value / jwk_set_value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JwtAuthConfig } from '../../src/config/types.js';
import { JwtVerifier, type JwtVerifyResult } from '../../src/auth/jwt.js';
import { parseOrgMapping, splitOrgMappingSetting } from '../../src/roles/org-mapping.js';
import { fixtures, jwtConfig } from './helpers.js';
import { nowSeconds, signJwt } from './sign-jwt.js';

const { keys } = fixtures();

function verify(cfg: Partial<JwtAuthConfig>, claims: Record<string, unknown>): JwtVerifyResult {
  const verifier = JwtVerifier.fromConfig(jwtConfig({ hmacSecret: keys.hmacSecret, ...cfg }));
  return verifier.verify(signJwt({ alg: 'HS256' }, { sub: 'u-1', exp: nowSeconds() + 600, ...claims }, keys.hmacSecret));
}

function identity(cfg: Partial<JwtAuthConfig>, claims: Record<string, unknown>) {
  const result = verify(cfg, claims);
  assert.ok(result.ok, JSON.stringify(result));
  return result.identity;
}

function refused(cfg: Partial<JwtAuthConfig>, claims: Record<string, unknown>, pattern: RegExp): void {
  const result = verify(cfg, claims);
  assert.equal(result.ok, false, `expected a refusal, got ${JSON.stringify(result)}`);
  if (!result.ok) assert.match(result.message, pattern);
}

// Grafana docs, "Configure login claim".
const NESTED_USER = { user: { UID: '1234567890', name: 'John Doe', username: 'johndoe', emails: ['personal@email.com', 'professional@email.com'] } };

test('login: username_attribute_path and email_attribute_path (Grafana docs example)', () => {
  const byUsername = identity({ usernameAttributePath: 'user.username', emailAttributePath: 'user.emails[1]' }, NESTED_USER);
  assert.equal(byUsername.login, 'johndoe');
  const byEmail = identity({ emailAttributePath: 'user.emails[1]' }, NESTED_USER);
  assert.equal(byEmail.login, 'professional@email.com', 'the e-mail is the login when there is no username');
  assert.equal(identity({ nameAttributePath: 'user.name', usernameAttributePath: 'user.username' }, NESTED_USER).name, 'John Doe');
  refused({ usernameAttributePath: 'user.nickname' }, NESTED_USER, /no username at username_attribute_path/);
});

test('login: username_claim wins over username_attribute_path; email_claim; login_claim is its alias; default sub', () => {
  const claims = { preferred_username: 'bob', email: 'bob@example.com', ...NESTED_USER };
  assert.equal(identity({ usernameClaim: 'preferred_username', usernameAttributePath: 'user.username' }, claims).login, 'bob');
  assert.equal(identity({ loginClaim: 'preferred_username' }, claims).login, 'bob');
  assert.equal(identity({ usernameClaim: 'missing', emailClaim: 'email' }, claims).login, 'bob@example.com');
  assert.equal(identity({}, claims).login, 'u-1', 'nothing configured: sub');
  refused({ usernameClaim: 'missing', emailClaim: 'mail' }, claims, /no "missing" claim, no "mail" claim/);
});

test('role_attribute_path: the basic and advanced examples of the Grafana docs', () => {
  assert.equal(identity({ roleAttributePath: 'role' }, { role: 'Editor' }).role, 'Editor');
  const advanced = "contains(info.roles[*], 'admin') && 'Admin' || contains(info.roles[*], 'editor') && 'Editor' || 'Viewer'";
  assert.equal(identity({ roleAttributePath: advanced }, { info: { roles: ['engineer', 'admin'] } }).role, 'Admin');
  assert.equal(identity({ roleAttributePath: advanced }, { info: { roles: ['editor'] } }).role, 'Editor');
  assert.equal(identity({ roleAttributePath: advanced }, { info: { roles: ['engineer'] } }).role, 'Viewer');
  const flat = "contains(roles[*], 'admin') && 'Admin' || contains(roles[*], 'editor') && 'Editor' || 'Viewer'";
  assert.equal(identity({ roleAttributePath: flat }, { roles: ['admin'] }).role, 'Admin');
  assert.equal(identity({ roleAttributePath: flat }, { roles: [] }).role, 'Viewer');
});

test('role_attribute_path: GrafanaAdmin is Admin, None has no access, other values mean no role', () => {
  assert.equal(identity({ roleAttributePath: 'role' }, { role: 'GrafanaAdmin' }).role, 'Admin');
  assert.equal(identity({ roleAttributePath: 'role', allowAssignGrafanaAdmin: true }, { role: 'GrafanaAdmin' }).role, 'Admin');
  refused({ roleAttributePath: 'role' }, { role: 'None' }, /role None/);
  // Grafana's role names are case-sensitive: "admin" is no role, so the default Viewer applies.
  assert.equal(identity({ roleAttributePath: 'role' }, { role: 'admin' }).role, 'Viewer');
  assert.equal(identity({ roleAttributePath: 'role' }, {}).role, 'Viewer');
  assert.equal(identity({ roleAttributePath: 'role' }, { role: 42 }).role, 'Viewer');
  // role_attribute_path replaces livehub's role claim: a bad "role" value no longer refuses the token.
  assert.equal(identity({ roleAttributePath: 'grafana_role' }, { role: 'Owner', grafana_role: 'Editor' }).role, 'Editor');
});

test('role_attribute_strict refuses a token with no valid role', () => {
  refused({ roleAttributePath: 'role', roleAttributeStrict: true }, {}, /role_attribute_strict/);
  refused({ roleAttributePath: 'role', roleAttributeStrict: true }, { role: 'admin' }, /role_attribute_strict/);
  assert.equal(identity({ roleAttributePath: 'role', roleAttributeStrict: true }, { role: 'Admin' }).role, 'Admin');
  // livehub's role claim is the role source when role_attribute_path is empty.
  refused({ roleAttributeStrict: true }, {}, /role_attribute_strict/);
  assert.equal(identity({ roleAttributeStrict: true }, { role: 'editor' }).role, 'Editor');
  // A role from org_mapping satisfies strict mode.
  const mapped = { orgAttributePath: 'groups', orgMapping: ['ops:1:Editor'], roleAttributeStrict: true, roleAttributePath: 'role' };
  assert.equal(identity(mapped, { groups: ['ops'] }).role, 'Editor');
  refused(mapped, { groups: ['sales'] }, /role_attribute_strict/);
});

test('org_mapping: the Grafana docs example with numeric org ids; org chosen by org id claim, default org, or the lowest', () => {
  const cfg = { orgAttributePath: 'info.orgs', orgMapping: splitOrgMappingSetting('engineer:1:Viewer admin:2:Editor *:3:Editor') };
  const user = { info: { orgs: ['engineer', 'admin'] } };
  assert.deepEqual(pick(identity(cfg, user)), { orgId: 1, role: 'Viewer' }, 'default_org_id 1 is mapped');
  assert.deepEqual(pick(identity(cfg, { ...user, org_id: 2 })), { orgId: 2, role: 'Editor' });
  assert.deepEqual(pick(identity(cfg, { ...user, org_id: 3 })), { orgId: 3, role: 'Editor' }, '* external: everyone');
  refused(cfg, { ...user, org_id: 4 }, /org 4 is not granted by org_mapping/);
  assert.deepEqual(pick(identity(cfg, { info: { orgs: ['sales'] } })), { orgId: 3, role: 'Editor' }, 'only the * entry: org 3');
  assert.deepEqual(pick(identity({ ...cfg, defaultOrgId: 7 }, user)), { orgId: 1, role: 'Viewer' }, 'default org unmapped: the lowest mapped org');
});

test('org_mapping: comma separators, a * org, the higher of mapping and role_attribute_path, None', () => {
  const cfg = { orgAttributePath: 'groups', orgMapping: splitOrgMappingSetting('group1:1:Editor, group2:2:Viewer, admins:*:Admin') };
  assert.deepEqual(pick(identity(cfg, { groups: ['group1', 'group2'], org_id: 2 })), { orgId: 2, role: 'Viewer' });
  refused(cfg, { groups: ['group2'], org_id: 1 }, /org 1 is not granted by org_mapping/);
  assert.deepEqual(pick(identity(cfg, { groups: ['group2', 'admins'], org_id: 9 })), { orgId: 9, role: 'Admin' }, '* org: any org');
  assert.deepEqual(pick(identity({ ...cfg, roleAttributePath: 'role' }, { groups: ['group2'], org_id: 2, role: 'Editor' })), { orgId: 2, role: 'Editor' }, 'direct role higher');
  assert.deepEqual(pick(identity({ ...cfg, roleAttributePath: 'role' }, { groups: ['group1'], role: 'Viewer' })), { orgId: 1, role: 'Editor' }, 'mapped role higher');
  // No mapped group: Grafana's default org mapping (role_attribute_path or Viewer, in the default org).
  assert.deepEqual(pick(identity({ ...cfg, roleAttributePath: 'role' }, { groups: ['nobody'], role: 'Editor' })), { orgId: 1, role: 'Editor' });
  refused({ orgAttributePath: 'groups', orgMapping: ['blocked:1:None'] }, { groups: ['blocked'] }, /role None in org 1/);
});

test('org_mapping parsing follows Grafana: JSON lists, \\: escapes, unknown roles, org names, strict mode', () => {
  assert.deepEqual(splitOrgMappingSetting('["Team A:1:Editor", "b:2"]'), ['Team A:1:Editor', 'b:2']);
  assert.deepEqual(splitOrgMappingSetting(' a:1:Viewer,b:2 ,, c:3:Admin '), ['a:1:Viewer', 'b:2', 'c:3:Admin']);
  const escaped = parseOrgMapping(['domain\\:group:4:Admin', 'x:5'], false);
  assert.equal(escaped.mapping.get('domain:group')?.get(4), 'Admin');
  assert.equal(escaped.mapping.get('x')?.get(5), 'Viewer', 'no role: Viewer');
  const lenient = parseOrgMapping(['engineer:org_foo:Viewer', 'a:1:admin', 'bad', 'b:2:Editor'], false);
  assert.deepEqual([...lenient.mapping.keys()], ['a', 'b']);
  assert.equal(lenient.mapping.get('a')?.get(1), 'Viewer');
  assert.equal(lenient.problems.length, 3);
  assert.match(lenient.problems[0]!, /no organization names.*org_foo/);
  const strict = parseOrgMapping(['a:1:Editor', 'b:2'], true);
  assert.equal(strict.mapping.size, 0, 'strict: one entry without a valid role empties the mapping');
  assert.match(strict.problems.at(-1)!, /whole org_mapping is ignored/);
});

test('skip_org_role_sync: the token grants no role and no org', () => {
  const cfg = { skipOrgRoleSync: true, roleAttributePath: 'role', orgAttributePath: 'groups', orgMapping: ['ops:2:Admin'], defaultOrgId: 5 };
  assert.deepEqual(pick(identity(cfg, { role: 'Admin', groups: ['ops'], org_id: 2 })), { orgId: 5, role: 'Viewer' });
});

test('expect_claims follows Grafana: iss and sub equal, every expected aud present, other claims deeply equal', () => {
  const expectClaims = { iss: 'https://idp.example', aud: ['live', 'grafana'], tenant: { tier: 'gold' } };
  const good = { iss: 'https://idp.example', aud: ['grafana', 'live', 'other'], tenant: { tier: 'gold' } };
  assert.ok(verify({ expectClaims }, good).ok);
  refused({ expectClaims }, { ...good, iss: 'https://evil.example' }, /"iss"/);
  refused({ expectClaims }, { ...good, aud: 'live' }, /"aud"/);
  refused({ expectClaims }, { ...good, tenant: { tier: 'gold', extra: 1 } }, /"tenant"/);
  const { tenant: _dropped, ...missing } = good;
  refused({ expectClaims }, missing, /"tenant"/);
  assert.ok(verify({ expectClaims: { aud: 'live' } }, { aud: 'live' }).ok, 'a single expected audience against a string aud');
});

test('key_id names the PEM key; key_value and jwk_set_value take the base64 content inline', () => {
  const { files } = fixtures();
  const rsa = (header: Record<string, unknown>) => signJwt({ alg: 'RS256', ...header }, { sub: 'k', exp: nowSeconds() + 60 }, keys.rsa.privateKey);
  const withId = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem, keyId: 'my-key-id' }));
  assert.ok(withId.verify(rsa({ kid: 'my-key-id' })).ok);
  assert.ok(withId.verify(rsa({})).ok, 'a token without kid is tried with the key');
  const other = withId.verify(rsa({ kid: 'another-key' }));
  assert.ok(!other.ok && /kid "another-key"/.test(other.message));

  const inlinePem = JwtVerifier.fromConfig(jwtConfig({ keyValue: Buffer.from(keys.rsa.publicPem).toString('base64'), keyId: 'inline' }));
  assert.ok(inlinePem.verify(rsa({ kid: 'inline' })).ok);
  const inlineJwks = JwtVerifier.fromConfig(jwtConfig({ jwkSetValue: Buffer.from(JSON.stringify({ keys: [keys.rsa.jwk] })).toString('base64') }));
  assert.ok(inlineJwks.verify(rsa({ kid: 'rsa-1' })).ok);
  assert.throws(() => JwtVerifier.fromConfig(jwtConfig({ keyValue: 'not base64!' })), /key_value: not base64/);
});

function pick(id: { orgId: number; role: string }): { orgId: number; role: string } {
  return { orgId: id.orgId, role: id.role };
}
