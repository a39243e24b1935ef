// Fuzz / property tests of JWT handling (src/auth/jwt.ts, jwt-claims.ts, authenticator.ts) with
// correctly signed tokens whose header and claims are random: verification never throws, accepts
// only the algorithms and keys configured, maps claims to a sane identity or rejects with a
// message, and a token re-signed or altered by anyone without the key is never accepted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { Authenticator } from '../../src/auth/authenticator.js';
import { ORG_ROLES } from '../../src/roles/org-role.js';
import { JwtVerifier } from '../../src/auth/jwt.js';
import { fixtures, jwtConfig, testConfig } from '../auth/helpers.js';
import { nowSeconds, signJwt } from '../auth/sign-jwt.js';
import { params, timed } from './runs.js';

const { keys, files } = fixtures();
const RULES = { iss: 'https://idp.example', aud: 'livehub' };
const verifier = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem, jwkSetFile: files.jwks, hmacSecret: keys.hmacSecret, expectClaims: RULES }));
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer().map((n) => nowSeconds() + n),
  fc.constantFrom('Admin', 'admin', 'Editor', 'Viewer', 'Owner', '', '1', '0', '-1', '2', 'org-2', 1, 2, 0, -1, 1.5, 2 ** 53, null, true),
);
const claims = fc.record(
  {
    sub: claimValue,
    exp: claimValue,
    nbf: claimValue,
    iat: claimValue,
    iss: fc.oneof(fc.constant(RULES.iss), claimValue),
    aud: fc.oneof(fc.constant(RULES.aud), fc.constant([RULES.aud, 'other']), claimValue),
    org_id: claimValue,
    role: claimValue,
    name: claimValue,
  },
  { requiredKeys: [] },
);
/** Well-formed claims, so that every run also exercises the accepting path (random ones rarely pass all checks). */
const wellFormed = fc.record({
  sub: fc.string({ minLength: 1, maxLength: 20 }),
  exp: fc.integer({ min: 60, max: 86_400 }).map((n) => nowSeconds() + n),
  iss: fc.constant(RULES.iss),
  aud: fc.constantFrom<unknown>(RULES.aud, [RULES.aud, 'other']),
  role: fc.constantFrom('Admin', 'Editor', 'Viewer'),
  name: fc.string({ maxLength: 20 }),
});

function checkResult(result: ReturnType<JwtVerifier['verify']>): void {
  if (!result.ok) {
    assert.ok(result.reason === 'invalid' || result.reason === 'expired');
    assert.ok(typeof result.message === 'string' && result.message.length > 0, 'a rejection says why');
    return;
  }
  const { identity } = result;
  assert.ok(Number.isSafeInteger(identity.orgId) && identity.orgId >= 1, `org ${identity.orgId}`);
  assert.ok(ORG_ROLES.includes(identity.role), identity.role);
  assert.ok(identity.login.length > 0);
  assert.notEqual(identity.userId, '0', 'never the anonymous user id');
  assert.equal(identity.authMethod, 'jwt');
}

/** Whether the verifier may accept signed claims, independent of its code (exp within 2 s of now may go either way). */
function acceptable(c: Record<string, unknown>): boolean {
  const now = Date.now() / 1000;
  if (c['iss'] !== RULES.iss) return false;
  const aud = Array.isArray(c['aud']) ? c['aud'] : [c['aud']];
  if (!aud.includes(RULES.aud)) return false;
  if (c['exp'] !== undefined && !(typeof c['exp'] === 'number' && Number.isFinite(c['exp']) && c['exp'] > now - 2)) return false;
  return true;
}

test('HS256 tokens with random claims: identity checks hold, never throws, never accepts a claim mismatch', () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(claims, wellFormed), (c: Record<string, unknown>) => {
      const result = timed('verify', 2000, () => verifier.verify(signJwt({ alg: 'HS256', typ: 'JWT' }, c, keys.hmacSecret)));
      checkResult(result);
      if (result.ok) {
        accepted++;
        assert.ok(acceptable(c), `accepted ${JSON.stringify(c)}`);
      }
    }),
    params(3000),
  );
  assert.ok(accepted > 0, 'the generator also produces acceptable tokens');
});

test('RS256 / ES256 with random claims and kids: same guarantees', () => {
  fc.assert(
    fc.property(claims, fc.constantFrom('RS256', 'ES256'), fc.option(fc.constantFrom('rsa-1', 'ec-1', 'other', ''), { nil: undefined }), (c, alg, kid) => {
      const key = alg === 'RS256' ? keys.rsa.privateKey : keys.ec.privateKey;
      const result = verifier.verify(signJwt({ alg, ...(kid !== undefined ? { kid } : {}) }, c, key));
      checkResult(result);
      if (result.ok) assert.ok(acceptable(c));
    }),
    params(400, 0.1),
  );
});

const valid = { sub: 'alice', iss: RULES.iss, aud: RULES.aud, exp: nowSeconds() + 3600, role: 'Viewer', org_id: 1 };

test('attacks: alg none, HMAC keyed with the public key, unknown algs, crit headers are never accepted', () => {
  const publicSecrets = [keys.rsa.publicPem, keys.ec.publicPem, JSON.stringify(keys.rsa.jwk), String(keys.rsa.jwk.n), keys.rsa.publicPem.trim()];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.constantFrom('none', 'None', 'NONE', 'nOnE', 'HS384', 'HS512', 'RS384', 'RS512', 'PS256', 'ES384', 'EdDSA', '', 'hs256', 'rs256'),
        fc.string({ maxLength: 8 }),
      ),
      fc.constantFrom(...publicSecrets),
      fc.boolean(),
      (alg, secret, crit) => {
        const header = { alg, typ: 'JWT', ...(crit ? { crit: ['exp'] } : {}) };
        const unsigned = `${b64(header)}.${b64(valid)}.`;
        assert.equal(verifier.verify(unsigned).ok, false, `unsigned ${alg}`);
        // Algorithm confusion: an HS256 token whose secret is public key material.
        assert.equal(verifier.verify(signJwt({ alg: 'HS256' }, valid, secret)).ok, false);
        if (crit) assert.equal(verifier.verify(signJwt({ alg: 'HS256', crit: ['exp'] }, valid, keys.hmacSecret)).ok, false);
      },
    ),
    params(300),
  );
});

test('tampering: a valid token with its header or payload replaced is never accepted', () => {
  const token = signJwt({ alg: 'RS256', kid: 'rsa-1' }, valid, keys.rsa.privateKey);
  assert.equal(verifier.verify(token).ok, true);
  const [h, , s] = token.split('.') as [string, string, string];
  fc.assert(
    fc.property(claims, fc.boolean(), (c, alsoHeader) => {
      const payload = b64({ ...valid, ...c });
      fc.pre(payload !== token.split('.')[1]);
      const header = alsoHeader ? b64({ alg: 'RS256', kid: 'rsa-1', x: 1 }) : h;
      assert.equal(verifier.verify(`${header}.${payload}.${s}`).ok, false);
    }),
    params(1000),
  );
});

test('the authenticator never throws on any credential in any position', async () => {
  const auth = new Authenticator(testConfig({ jwt: { enabled: true, hmacSecret: keys.hmacSecret, keyFile: files.rsaPem, expectClaims: RULES }, anonymous: { enabled: false } }));
  const credential = fc.oneof(
    fc.string({ maxLength: 200 }),
    claims.map((c) => signJwt({ alg: 'HS256' }, c, keys.hmacSecret)),
    fc.constantFrom('glh_', 'glh_' + 'A'.repeat(43), 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'x'.repeat(20_000)),
  );
  await fc.assert(
    fc.asyncProperty(credential, fc.constantFrom('header', 'query', 'connect', 'both'), async (cred, where) => {
      const headers = where === 'header' || where === 'both' ? { authorization: cred.startsWith('Bearer') || cred.startsWith('Basic') ? cred : `Bearer ${cred}` } : {};
      const url = where === 'query' || where === 'both' ? `/api/live/ws?auth_token=${encodeURIComponent(cred)}` : '/api/live/ws';
      const outcome = await (where === 'connect' ? auth.authenticateToken(cred) : auth.authenticateRequest({ headers, url }));
      if (!outcome.ok) assert.ok(outcome.message.length > 0);
      else assert.notEqual(outcome.credential, 'none');
    }),
    params(1500),
  );
});
