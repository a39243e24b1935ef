// Property tests: whatever string arrives, verification answers (never throws) and never accepts
// something that was not signed with a configured key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { JwtVerifier } from '../../src/auth/jwt.js';
import { Authenticator } from '../../src/auth/authenticator.js';
import { signJwt, nowSeconds } from './sign-jwt.js';
import { fixtures, jwtConfig, testConfig } from './helpers.js';

const { keys, files } = fixtures();
const verifier = JwtVerifier.fromConfig(jwtConfig({ keyFile: files.rsaPem, jwkSetFile: files.jwks, hmacSecret: keys.hmacSecret }));

const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.base64String({ maxLength: 60 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')),
  fc.json().map((j) => Buffer.from(j).toString('base64url')),
  fc.record({ alg: fc.constantFrom('RS256', 'ES256', 'HS256', 'none', 'HS512', 'RS384'), kid: fc.option(fc.string()) }).map((h) =>
    Buffer.from(JSON.stringify(h)).toString('base64url'),
  ),
);
const tokenish = fc.oneof(fc.string({ maxLength: 300 }), fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')));

test('random strings never throw and are never accepted', () => {
  fc.assert(
    fc.property(tokenish, (token) => {
      const result = verifier.verify(token);
      assert.equal(result.ok, false);
    }),
    { numRuns: 600 },
  );
});

test('mutating one character of a valid token makes it invalid', () => {
  const token = signJwt({ alg: 'RS256', kid: 'rsa-1' }, { sub: '1', exp: nowSeconds() + 600 }, keys.rsa.privateKey);
  assert.ok(verifier.verify(token).ok);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  fc.assert(
    fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (index, ch) => {
      fc.pre(token[index] !== ch);
      const mutated = token.slice(0, index) + ch + token.slice(index + 1);
      // The last base64url character of a segment can carry unused bits; skip the mutations that decode identically.
      const same = mutated.split('.').length === 3 && mutated.split('.').every((p, i) => Buffer.from(p, 'base64url').equals(Buffer.from(token.split('.')[i]!, 'base64url')));
      fc.pre(!same);
      assert.equal(verifier.verify(mutated).ok, false);
    }),
    { numRuns: 300 },
  );
});

test('the authenticator never throws on random headers and URLs', async () => {
  const auth = new Authenticator(testConfig({ jwt: { enabled: true, hmacSecret: keys.hmacSecret } }));
  await fc.assert(
    fc.asyncProperty(fc.option(tokenish), fc.string({ maxLength: 100 }), async (authorization, url) => {
      const result = await auth.authenticateRequest({ headers: authorization === null ? {} : { authorization }, url });
      assert.equal(typeof result.ok, 'boolean');
      if (authorization !== null && authorization.trim() !== '') assert.equal(result.ok, false);
    }),
    { numRuns: 300 },
  );
});
