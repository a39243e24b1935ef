// Test helper: a tiny JWS signer and fresh key material, so tests never depend on fixed keys or a
// JWT library. Also used by integration tests (import from dist/test/auth/sign-jwt.js).

import { createHmac, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AsymmetricTestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM of the public key, as an operator would put in [auth.jwt] key_file. */
  readonly publicPem: string;
  /** Public JWK with `kid`, `use` and `alg`, as found in a JWKS. */
  readonly jwk: JsonWebKey;
}

export interface TestKeys {
  readonly rsa: AsymmetricTestKey;
  readonly ec: AsymmetricTestKey;
  /** 32+ byte secret for HS256 ([auth.jwt] hmac_secret). */
  readonly hmacSecret: string;
}

function describeKey(privateKey: KeyObject, publicKey: KeyObject, kid: string, alg: string): AsymmetricTestKey {
  return {
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg },
  };
}

/** A fresh RSA-2048 key with the given kid (RS256), e.g. the next key of a rotating JWKS. */
export function makeRsaKey(kid: string): AsymmetricTestKey {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return describeKey(rsa.privateKey, rsa.publicKey, kid, 'RS256');
}

/** Fresh RSA-2048 (kid "rsa-1"), EC P-256 (kid "ec-1") keys and an HMAC secret. */
export function makeKeys(): TestKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    rsa: describeKey(rsa.privateKey, rsa.publicKey, 'rsa-1', 'RS256'),
    ec: describeKey(ec.privateKey, ec.publicKey, 'ec-1', 'ES256'),
    hmacSecret: 'test-hmac-secret-that-is-at-least-32-bytes-long',
  };
}

/**
 * Signs `payload` as a compact JWS according to `header.alg`: RS256/ES256 with a private KeyObject,
 * HS256 with a string or Buffer secret (any bytes: tests use a public PEM to forge confusion tokens),
 * "none" with no signature.
 */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject | string | Buffer | null): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  let signature: Buffer;
  switch (header.alg) {
    case 'RS256':
      signature = sign('sha256', Buffer.from(input), asPrivateKey(key));
      break;
    case 'ES256':
      signature = sign('sha256', Buffer.from(input), { key: asPrivateKey(key), dsaEncoding: 'ieee-p1363' });
      break;
    case 'HS256':
      if (typeof key !== 'string' && !Buffer.isBuffer(key)) throw new Error('HS256 needs a string or Buffer secret');
      signature = createHmac('sha256', key).update(input).digest();
      break;
    case 'none':
      signature = Buffer.alloc(0);
      break;
    default:
      throw new Error(`signJwt: unsupported alg ${String(header.alg)}`);
  }
  return `${input}.${signature.toString('base64url')}`;
}

function asPrivateKey(key: KeyObject | string | Buffer | null): KeyObject {
  if (key === null || typeof key === 'string' || Buffer.isBuffer(key)) throw new Error('RS256/ES256 need a private KeyObject');
  return key;
}

/** Seconds since the epoch, as JWT numeric dates are written. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Writes `rsa.pem`, `ec.pem` and `jwks.json` (both public keys) into `dir`; returns their paths. */
export function writeKeyFiles(dir: string, keys: TestKeys): { rsaPem: string; ecPem: string; jwks: string } {
  const paths = { rsaPem: join(dir, 'rsa.pem'), ecPem: join(dir, 'ec.pem'), jwks: join(dir, 'jwks.json') };
  writeFileSync(paths.rsaPem, keys.rsa.publicPem);
  writeFileSync(paths.ecPem, keys.ec.publicPem);
  writeFileSync(paths.jwks, JSON.stringify({ keys: [keys.rsa.jwk, keys.ec.jwk] }));
  return paths;
}
