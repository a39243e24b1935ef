// Authenticator: header vs query vs anonymous, disabled anonymous, invalid credentials never fall
// back to anonymous, API tokens vs JWTs, custom JWT header, expiry, connect tokens.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator, type AuthResult } from '../../src/auth/authenticator.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { signJwt, nowSeconds } from './sign-jwt.js';
import { fixtures, testConfig } from './helpers.js';

const { keys, files } = fixtures();

function setup(overrides: Parameters<typeof testConfig>[0] = {}) {
  const config = testConfig({ ...overrides, jwt: { enabled: true, keyFile: files.rsaPem, hmacSecret: keys.hmacSecret, ...overrides.jwt } });
  const store = new ApiTokenStore(config.apiTokens.file, { reloadCheckIntervalMs: 0 });
  const apiToken = store.create({ name: 'pusher', orgId: 2, role: 'Editor' }).token;
  const auth = new Authenticator(config, { tokenStore: store });
  return { auth, apiToken, config };
}

const jwtFor = (payload: Record<string, unknown> = {}) =>
  signJwt({ alg: 'RS256' }, { sub: '5', org_id: 1, role: 'Admin', exp: nowSeconds() + 300, ...payload }, keys.rsa.privateKey);

async function expectOk(pending: Promise<AuthResult>, credential: 'none' | 'header' | 'query'): Promise<Extract<AuthResult, { ok: true }>> {
  const result = await pending;
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.credential, credential);
  return result;
}

async function expectFail(pending: Promise<AuthResult>, reason: 'missing' | 'invalid' | 'expired'): Promise<void> {
  const result = await pending;
  assert.equal(result.ok, false, JSON.stringify(result));
  if (!result.ok) assert.equal(result.reason, reason);
}

test('no credential: anonymous identity from [auth.anonymous]', async () => {
  const { auth } = setup({ anonymous: { orgId: 4, orgRole: 'Editor' } });
  const result = await expectOk(auth.authenticateRequest({ headers: {}, url: '/api/live/ws' }), 'none');
  assert.deepEqual(result.identity, { userId: '0', login: 'anonymous', name: 'Anonymous', orgId: 4, role: 'Editor', authMethod: 'anonymous' });
  await expectOk(auth.authenticateRequest({ headers: { authorization: '' }, url: '/api/live/ws?auth_token=' }), 'none');
});

test('no credential with anonymous disabled: missing', async () => {
  const { auth } = setup({ anonymous: { enabled: false } });
  await expectFail(auth.authenticateRequest({ headers: {} }), 'missing');
  await expectFail(auth.authenticateToken(''), 'missing');
});

test('API token in the Authorization header and in the query', async () => {
  const { auth, apiToken } = setup();
  const viaHeader = await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${apiToken}` } }), 'header');
  assert.equal(viaHeader.identity.login, 'sa-pusher');
  assert.equal(viaHeader.identity.orgId, 2);
  assert.equal(viaHeader.identity.authMethod, 'api_token');
  await expectOk(auth.authenticateRequest({ headers: { authorization: `bearer   ${apiToken}  ` } }), 'header');
  const viaQuery = await expectOk(auth.authenticateRequest({ headers: {}, url: `/api/live/ws?x=1&auth_token=${apiToken}` }), 'query');
  assert.equal(viaQuery.identity.login, 'sa-pusher');
});

test('API tokens work even when JWT is disabled', async () => {
  const { auth, apiToken } = setup({ jwt: { enabled: false } });
  await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${apiToken}` } }), 'header');
  await expectFail(auth.authenticateRequest({ headers: { authorization: `Bearer ${jwtFor()}` } }), 'invalid');
});

test('JWT in the header and in the query (the Grafana frontend appends auth_token)', async () => {
  const { auth } = setup();
  const viaHeader = await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${jwtFor()}` } }), 'header');
  assert.equal(viaHeader.identity.authMethod, 'jwt');
  assert.equal(viaHeader.identity.role, 'Admin');
  await expectOk(auth.authenticateRequest({ headers: {}, url: `/api/live/ws?auth_token=${jwtFor()}` }), 'query');
});

test('a custom JWT header_name is read (Bearer prefix optional), Authorization still works', async () => {
  const { auth, apiToken } = setup({ jwt: { headerName: 'X-JWT-Assertion' } });
  await expectOk(auth.authenticateRequest({ headers: { 'x-jwt-assertion': jwtFor() } }), 'header');
  await expectOk(auth.authenticateRequest({ headers: { 'x-jwt-assertion': `Bearer ${jwtFor()}` } }), 'header');
  await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${apiToken}` } }), 'header');
  await expectFail(auth.authenticateRequest({ headers: { 'x-jwt-assertion': 'garbage' } }), 'invalid');
});

test('an invalid credential is 401 and never falls back to anonymous', async () => {
  const { auth } = setup();
  await expectFail(auth.authenticateRequest({ headers: { authorization: 'Bearer glh_wrongwrongwrongwrongwrong' } }), 'invalid');
  await expectFail(auth.authenticateRequest({ headers: { authorization: 'Bearer not-a-jwt' } }), 'invalid');
  await expectFail(auth.authenticateRequest({ headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }), 'invalid');
  await expectFail(auth.authenticateRequest({ headers: { authorization: 'Bearer ' } }), 'invalid');
  await expectFail(auth.authenticateRequest({ headers: {}, url: '/api/live/ws?auth_token=glh_nope-nope-nope-nope' }), 'invalid');
  await expectFail(auth.authenticateRequest({ headers: { authorization: ['Bearer a', 'Bearer b'] as unknown as string } }), 'invalid');
});

test('the header wins over the query parameter', async () => {
  const { auth, apiToken } = setup();
  await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${apiToken}` }, url: '/x?auth_token=garbage' }), 'header');
});

test('an expired JWT gives "expired"', async () => {
  const { auth } = setup();
  await expectFail(auth.authenticateRequest({ headers: { authorization: `Bearer ${jwtFor({ exp: nowSeconds() - 10 })}` } }), 'expired');
});

test('expiry is judged by the injected clock and carried in the identity', async () => {
  const config = testConfig({ jwt: { enabled: true, hmacSecret: keys.hmacSecret } });
  let now = Date.now();
  const auth = new Authenticator(config, { now: () => now });
  const exp = Math.floor(now / 1000) + 60;
  const token = signJwt({ alg: 'HS256' }, { sub: 'x', exp }, keys.hmacSecret);
  const ok = await expectOk(auth.authenticateToken(token), 'header');
  assert.equal(ok.identity.expiresAt, exp * 1000);
  now += 61_000;
  await expectFail(auth.authenticateToken(token), 'expired');
});

test('authenticateToken: connect tokens use the same rules', async () => {
  const { auth, apiToken } = setup();
  await expectOk(auth.authenticateToken(apiToken), 'header');
  await expectOk(auth.authenticateToken(jwtFor()), 'header');
  await expectOk(auth.authenticateToken(''), 'none');
  await expectFail(auth.authenticateToken('glh_bad-bad-bad-bad-bad-bad'), 'invalid');
  await expectFail(auth.authenticateToken('x.y.z'), 'invalid');
});

test('the Authenticator opens the token file from the config by itself', async () => {
  const config = testConfig();
  const token = new ApiTokenStore(config.apiTokens.file).create({ name: 'own', orgId: 1, role: 'Viewer' }).token;
  const auth = new Authenticator(config);
  await expectOk(auth.authenticateRequest({ headers: { authorization: `Bearer ${token}` } }), 'header');
});
