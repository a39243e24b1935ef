// Loading verification keys: PEM (several blocks, certificates' public halves), JWKS filtering, and
// startup errors that name the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadJwtKeySet, parseJwks, parsePemKeys } from '../../src/auth/jwt-keys.js';
import { ConfigError } from '../../src/config/errors.js';
import { fixtures, jwtConfig, tempDir } from './helpers.js';

const { keys, files } = fixtures();

test('a PEM file may hold several keys; private keys contribute their public half', () => {
  const privatePem = keys.ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const parsed = parsePemKeys(`${keys.rsa.publicPem}\n${privatePem}`, 'keys.pem');
  assert.deepEqual(parsed.map((k) => k.kty), ['RSA', 'EC']);
  assert.equal(parsed[1]!.key.type, 'public');
});

test('PEM problems are ConfigErrors naming the file', () => {
  assert.throws(() => parsePemKeys('nothing here', 'k.pem'), (e: unknown) => e instanceof ConfigError && /k\.pem: no PEM key/.test(e.message));
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => parsePemKeys(small, 'small.pem'), /shorter than 2048/);
  const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => parsePemKeys(ed, 'ed.pem'), /unsupported key type ed25519/);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.throws(() => parsePemKeys(p384, 'p384.pem'), /secp384r1/);
});

test('JWKS keeps RS256/ES256 signing keys with kid and skips the rest', () => {
  const jwks = {
    keys: [
      keys.rsa.jwk,
      { ...keys.ec.jwk, kid: 'ec-1' },
      { ...keys.rsa.jwk, kid: 'enc', use: 'enc' },
      { ...keys.rsa.jwk, kid: 'ps', alg: 'PS256' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
      { kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: 'ed' },
    ],
  };
  const parsed = parseJwks(JSON.stringify(jwks), 'jwks.json');
  assert.deepEqual(parsed.map((k) => [k.kid, k.kty]), [['rsa-1', 'RSA'], ['ec-1', 'EC']]);
});

test('JWKS problems are ConfigErrors naming the file and entry', () => {
  assert.throws(() => parseJwks('{', 'j.json'), /j\.json: not valid JSON/);
  assert.throws(() => parseJwks('{"keys": 3}', 'j.json'), /expected a JWKS object/);
  assert.throws(() => parseJwks('{"keys": [{"kty":"oct","k":"AA"}]}', 'j.json'), /no RS256 or ES256 signing key/);
  assert.throws(() => parseJwks('{"keys": [{"kty":"RSA","e":"AQAB"}]}', 'j.json'), /keys\[0\]\): missing "n"/);
  assert.throws(() => parseJwks('{"keys": [{"kty":"RSA","n":"AQAB","e":"AQAB"}]}', 'j.json'), ConfigError);
});

test('loadJwtKeySet reads every configured source; unreadable files name the key', () => {
  const set = loadJwtKeySet(jwtConfig({ keyFile: files.rsaPem, jwkSetFile: files.jwks, hmacSecret: keys.hmacSecret }));
  assert.equal(set.publicKeys.length, 3);
  assert.ok(set.hmacSecret?.equals(Buffer.from(keys.hmacSecret)));
  const missing = join(tempDir(), 'missing.pem');
  assert.throws(() => loadJwtKeySet(jwtConfig({ keyFile: missing })), (e: unknown) => e instanceof ConfigError && e.message.includes('[auth.jwt] key_file') && e.message.includes(missing));
  const bad = join(tempDir(), 'bad.json');
  writeFileSync(bad, 'not json');
  assert.throws(() => loadJwtKeySet(jwtConfig({ jwkSetFile: bad })), /not valid JSON/);
});
