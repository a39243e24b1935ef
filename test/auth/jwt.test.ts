// JWT verification: algorithms, key selection, confusion attacks, time claims, expect_claims,
// tampering, and the mapping of claims to an Identity.

import { test } from 'node:test';
import { generateKeyPairSync, sign as signRaw } from 'node:crypto';
import assert from 'node:assert/strict';
import { JwtVerifier, type JwtVerifyResult } from '../../src/auth/jwt.js';
import { claimRulesFromConfig } from '../../src/auth/jwt-claims.js';
import { DERIVED_ID_BASE } from '../../src/auth/stable-id.js';
import { signJwt, nowSeconds } from './sign-jwt.js';
import { fixtures, jwtConfig } from './helpers.js';

const { keys, files } = fixtures();

const rsaVerifier = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem }));
const ecVerifier = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.ecPem }));
const hmacVerifier = JwtVerifier.fromConfig(jwtConfig({ hmacSecret: keys.hmacSecret }));
const jwksVerifier = JwtVerifier.fromConfig(jwtConfig({ jwkSetFile: files.jwks }));

const claims = () => ({ sub: '42', name: 'Alice', org_id: 3, role: 'editor', exp: nowSeconds() + 600 });

function assertInvalid(result: JwtVerifyResult, pattern?: RegExp): void {
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.reason, 'invalid');
    if (pattern) assert.match(result.message, pattern);
  }
}

test('valid RS256 token with a PEM key', () => {
  const payload = claims();
  const result = rsaVerifier.verify(signJwt({ alg: 'RS256', typ: 'JWT' }, payload, keys.rsa.privateKey));
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.identity, {
    userId: '42',
    login: '42',
    name: 'Alice',
    orgId: 3,
    role: 'Editor',
    authMethod: 'jwt',
    expiresAt: payload.exp * 1000,
  });
});

test('valid ES256 token with a PEM key (raw r||s signature)', () => {
  const result = ecVerifier.verify(signJwt({ alg: 'ES256' }, claims(), keys.ec.privateKey));
  assert.ok(result.ok, JSON.stringify(result));
});

test('valid HS256 token with the HMAC secret', () => {
  const result = hmacVerifier.verify(signJwt({ alg: 'HS256' }, claims(), keys.hmacSecret));
  assert.ok(result.ok, JSON.stringify(result));
  assertInvalid(hmacVerifier.verify(signJwt({ alg: 'HS256' }, claims(), 'another-secret-of-at-least-32-bytes!!')), /signature/);
});

test('JWKS selects the key by kid and also works without kid', () => {
  assert.ok(jwksVerifier.verify(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), keys.rsa.privateKey)).ok);
  assert.ok(jwksVerifier.verify(signJwt({ alg: 'ES256', kid: 'ec-1' }, claims(), keys.ec.privateKey)).ok);
  assert.ok(jwksVerifier.verify(signJwt({ alg: 'RS256' }, claims(), keys.rsa.privateKey)).ok, 'no kid: try RSA keys');
  assertInvalid(jwksVerifier.verify(signJwt({ alg: 'RS256', kid: 'unknown' }, claims(), keys.rsa.privateKey)), /kid/);
  // The right key id with the wrong key type cannot verify either.
  assertInvalid(jwksVerifier.verify(signJwt({ alg: 'ES256', kid: 'rsa-1' }, claims(), keys.ec.privateKey)));
});

test('a token signed by another key is rejected', () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  assertInvalid(rsaVerifier.verify(signJwt({ alg: 'RS256' }, claims(), other)), /signature/);
});

test('alg "none" is rejected, in any spelling, with or without a signature part', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  for (const alg of ['none', 'None', 'NONE']) {
    for (const verifier of [rsaVerifier, hmacVerifier, jwksVerifier]) {
      assertInvalid(verifier.verify(`${b64({ alg })}.${b64(claims())}.`));
      assertInvalid(verifier.verify(`${b64({ alg })}.${b64(claims())}.AAAA`), /unsupported token algorithm/);
    }
  }
  assertInvalid(hmacVerifier.verify(signJwt({ alg: 'none' }, claims(), null)));
});

test('HS256 signed with the public key is rejected when only public keys are configured', () => {
  const forged = signJwt({ alg: 'HS256' }, claims(), Buffer.from(keys.rsa.publicPem));
  assertInvalid(rsaVerifier.verify(forged), /HS256/);
  assertInvalid(jwksVerifier.verify(signJwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), Buffer.from(keys.rsa.publicPem))), /HS256/);
});

test('RS256/ES256 tokens are rejected when only an HMAC secret is configured', () => {
  assertInvalid(hmacVerifier.verify(signJwt({ alg: 'RS256' }, claims(), keys.rsa.privateKey)), /RS256/);
  assertInvalid(hmacVerifier.verify(signJwt({ alg: 'ES256' }, claims(), keys.ec.privateKey)), /ES256/);
});

test('an RS256 token is not verified with an EC key and vice versa', () => {
  assertInvalid(ecVerifier.verify(signJwt({ alg: 'RS256' }, claims(), keys.rsa.privateKey)));
  assertInvalid(rsaVerifier.verify(signJwt({ alg: 'ES256' }, claims(), keys.ec.privateKey)));
});

test('exp in the past gives the distinct "expired" result', () => {
  const result = rsaVerifier.verify(signJwt({ alg: 'RS256' }, { ...claims(), exp: nowSeconds() - 1 }, keys.rsa.privateKey));
  assert.deepEqual(result, { ok: false, reason: 'expired', message: 'token expired' });
});

test('expiry follows the injected clock', () => {
  let now = 1_000_000_000_000;
  const verifier = new JwtVerifier({ keys: { publicKeys: [], hmacSecret: Buffer.from(keys.hmacSecret) }, rules: claimRulesFromConfig(jwtConfig()), now: () => now });
  const token = signJwt({ alg: 'HS256' }, { sub: 'x', exp: now / 1000 + 10 }, keys.hmacSecret);
  assert.ok(verifier.verify(token).ok);
  now += 10_000;
  const result = verifier.verify(token);
  assert.ok(!result.ok && result.reason === 'expired');
});

test('nbf and iat in the future are rejected, within a small clock skew they pass', () => {
  const sign = (extra: Record<string, unknown>) => signJwt({ alg: 'RS256' }, { ...claims(), ...extra }, keys.rsa.privateKey);
  assertInvalid(rsaVerifier.verify(sign({ nbf: nowSeconds() + 3600 })), /not valid yet/);
  assertInvalid(rsaVerifier.verify(sign({ iat: nowSeconds() + 3600 })), /future/);
  assert.ok(rsaVerifier.verify(sign({ nbf: nowSeconds() + 5, iat: nowSeconds() + 5 })).ok);
  assert.ok(rsaVerifier.verify(sign({ nbf: nowSeconds() - 5, iat: nowSeconds() - 5 })).ok);
  assertInvalid(rsaVerifier.verify(sign({ exp: 'tomorrow' })), /exp/);
});

test('expect_claims: iss must match, aud may be a string or an array', () => {
  const verifier = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem, expectClaims: { iss: 'https://idp.example', aud: 'livehub' } }));
  const sign = (extra: Record<string, unknown>) => signJwt({ alg: 'RS256' }, { ...claims(), ...extra }, keys.rsa.privateKey);
  assert.ok(verifier.verify(sign({ iss: 'https://idp.example', aud: 'livehub' })).ok);
  assert.ok(verifier.verify(sign({ iss: 'https://idp.example', aud: ['grafana', 'livehub'] })).ok);
  assertInvalid(verifier.verify(sign({ iss: 'https://evil.example', aud: 'livehub' })), /"iss"/);
  assertInvalid(verifier.verify(sign({ iss: 'https://idp.example', aud: ['grafana'] })), /"aud"/);
  assertInvalid(verifier.verify(sign({ aud: 'livehub' })), /"iss"/);

  const multi = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem, expectClaims: { aud: ['a', 'b'], tier: { gold: true } } }));
  assert.ok(multi.verify(sign({ aud: ['b', 'c', 'a'], tier: { gold: true } })).ok);
  assertInvalid(multi.verify(sign({ aud: ['a'], tier: { gold: true } })));
  assertInvalid(multi.verify(sign({ aud: ['a', 'b'], tier: { gold: false } })));
});

test('a tampered payload or header fails the signature check', () => {
  const token = signJwt({ alg: 'RS256' }, claims(), keys.rsa.privateKey);
  const [h, , s] = token.split('.');
  const evil = Buffer.from(JSON.stringify({ ...claims(), role: 'Admin' })).toString('base64url');
  assertInvalid(rsaVerifier.verify(`${h}.${evil}.${s}`), /signature/);
  const evilHeader = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'x' })).toString('base64url');
  assertInvalid(rsaVerifier.verify(`${evilHeader}.${token.split('.')[1]}.${s}`), /signature/);
  // Flip one bit of the ES256 signature.
  const ec = signJwt({ alg: 'ES256' }, claims(), keys.ec.privateKey).split('.');
  const sig = Buffer.from(ec[2]!, 'base64url');
  sig[10]! ^= 1;
  assertInvalid(ecVerifier.verify(`${ec[0]}.${ec[1]}.${sig.toString('base64url')}`), /signature/);
});

test('a DER-encoded ES256 signature is rejected (JWS uses raw r||s)', () => {
  const input = signJwt({ alg: 'ES256' }, claims(), keys.ec.privateKey).split('.').slice(0, 2).join('.');
  const der = signRaw('sha256', Buffer.from(input), keys.ec.privateKey).toString('base64url');
  assertInvalid(ecVerifier.verify(`${input}.${der}`), /signature/);
});

test('malformed tokens are invalid, never thrown', () => {
  const cases = ['', 'abc', 'a.b', 'a.b.c.d', '..', 'eyJ.eyJ.', '!!!.@@@.###', 'x'.repeat(20000), `${'e'.repeat(5)}.${'e'.repeat(5)}.sig`];
  for (const token of cases) assertInvalid(rsaVerifier.verify(token));
  const header = Buffer.from('[1,2]').toString('base64url');
  assertInvalid(rsaVerifier.verify(`${header}.${header}.AAAA`), /header/);
  const valid = signJwt({ alg: 'HS256' }, claims(), keys.hmacSecret).split('.');
  const notJson = Buffer.from('not json').toString('base64url');
  assertInvalid(hmacVerifier.verify(`${valid[0]}.${notJson}.${valid[2]}`));
  assertInvalid(hmacVerifier.verify(signJwt({ alg: 'HS256', crit: ['exp'] }, claims(), keys.hmacSecret)), /critical/);
});

test('claims map to identity: derived ids, names, org, role', () => {
  const sign = (payload: Record<string, unknown>) => signJwt({ alg: 'HS256' }, payload, keys.hmacSecret);
  const a = hmacVerifier.verify(sign({ sub: 'alice@example.com' }));
  const b = hmacVerifier.verify(sign({ sub: 'alice@example.com', name: 'A' }));
  assert.ok(a.ok && b.ok);
  assert.match(a.identity.userId, /^\d+$/);
  assert.ok(Number(a.identity.userId) >= DERIVED_ID_BASE);
  assert.equal(a.identity.userId, b.identity.userId, 'stable');
  assert.equal(a.identity.name, 'alice@example.com', 'name falls back to login');
  assert.equal(a.identity.orgId, 1, 'default_org_id');
  assert.equal(a.identity.role, 'Viewer', 'missing role');
  assert.equal(a.identity.expiresAt, undefined, 'no exp');

  const zero = hmacVerifier.verify(sign({ sub: '0' }));
  assert.ok(zero.ok && zero.identity.userId !== '0', 'never anonymous id');

  const numericOrg = hmacVerifier.verify(sign({ sub: '7', org_id: '12', role: 'ADMIN' }));
  assert.ok(numericOrg.ok && numericOrg.identity.orgId === 12 && numericOrg.identity.role === 'Admin');

  assertInvalid(hmacVerifier.verify(sign({ sub: '7', role: 'Owner' })), /role/);
  assertInvalid(hmacVerifier.verify(sign({ sub: '7', role: 3 })), /role/);
  assertInvalid(hmacVerifier.verify(sign({ sub: '7', org_id: 'acme' })), /org_id/);
  assertInvalid(hmacVerifier.verify(sign({ sub: '7', org_id: 0 })), /org_id/);
  assertInvalid(hmacVerifier.verify(sign({ name: 'nobody' })), /"sub"/);
});

test('custom claim names, including nested paths', () => {
  const verifier = JwtVerifier.fromConfig(
    jwtConfig({ hmacSecret: keys.hmacSecret, loginClaim: 'preferred_username', orgIdClaim: 'grafana.org', roleClaim: 'grafana.role', defaultOrgId: 9 }),
  );
  const result = verifier.verify(signJwt({ alg: 'HS256' }, { sub: 'u-1', preferred_username: 'bob', grafana: { org: 4, role: 'Editor' } }, keys.hmacSecret));
  assert.ok(result.ok);
  assert.equal(result.identity.login, 'bob');
  assert.equal(result.identity.orgId, 4);
  assert.equal(result.identity.role, 'Editor');
  const fallback = verifier.verify(signJwt({ alg: 'HS256' }, { sub: 'u-1', preferred_username: 'bob' }, keys.hmacSecret));
  assert.ok(fallback.ok && fallback.identity.orgId === 9);
});
