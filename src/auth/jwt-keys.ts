// Loads the keys that verify JWTs: PEM public keys/certificates (`[auth.jwt] key_file`, or inline
// base64 `key_value`, named by `key_id`), a JWKS (`jwk_set_file` / `jwk_set_value`) and the HS256
// secret (`hmac_secret`). Runs once at startup, so problems surface as ConfigErrors naming the file
// instead of as rejected tokens later. `parseJwksDocument` also reads what `jwk_set_url` serves.

import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import type { JwtAuthConfig } from '../config/types.js';

export type JwtKeyType = 'RSA' | 'EC';

export interface JwtPublicKey {
  readonly key: KeyObject;
  /** RSA keys verify RS256, P-256 EC keys verify ES256. */
  readonly kty: JwtKeyType;
  /** From the JWKS entry; PEM keys have none and are candidates for any `kid`. */
  readonly kid?: string;
  /** JWKS `alg` restriction, when the entry declares one. */
  readonly alg?: string;
  /** Where the key came from, for messages. */
  readonly source: string;
}

export interface JwtKeySet {
  readonly publicKeys: readonly JwtPublicKey[];
  /** HS256 secret; never derived from a public key (that is the classic algorithm-confusion hole). */
  readonly hmacSecret?: Buffer;
}

const MIN_RSA_BITS = 2048;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Classifies a KeyObject as usable for RS256/ES256, or explains why not. */
function classify(key: KeyObject, source: string): JwtKeyType {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new ConfigError(`${source}: RSA key shorter than ${MIN_RSA_BITS} bits`);
    }
    return 'RSA';
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'EC';
  throw new ConfigError(
    `${source}: unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${details?.namedCurve ? ` (${details.namedCurve})` : ''}; ` +
      'use RSA (RS256) or EC P-256 (ES256)',
  );
}

/** Every PEM block of a file: public keys, certificates, or private keys (their public half is used). */
export function parsePemKeys(pem: string, source: string): JwtPublicKey[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${source}: no PEM key found`);
  return blocks.map((block, index) => {
    const where = blocks.length > 1 ? `${source} (PEM block ${index + 1})` : source;
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch (err) {
      throw new ConfigError(`${where}: cannot read key: ${(err as Error).message}`);
    }
    return { key, kty: classify(key, where), source: where };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface JwksDocument {
  readonly keys: JwtPublicKey[];
  /** Entries that look like signing keys but cannot be used (malformed, short RSA), with the reason. */
  readonly skipped: string[];
}

/**
 * The signing keys of a JWKS document. Entries that can never verify an RS256/ES256 signature
 * (other key types or curves, `use: "enc"`, other `alg`, symmetric `oct` keys) are left out, as
 * identity providers publish mixed sets; RSA/EC entries that cannot be used are listed in `skipped`.
 * Throws (a plain Error) when the document is no JWKS or has no usable key at all.
 */
export function parseJwksDocument(json: string, source: string): JwksDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(doc) || !Array.isArray(doc.keys)) throw new Error(`${source}: expected a JWKS object {"keys": [...]}`);
  const keys: JwtPublicKey[] = [];
  const skipped: string[] = [];
  doc.keys.forEach((entry: unknown, index: number) => {
    const where = `${source} (keys[${index}])`;
    try {
      const key = jwksEntry(entry, where);
      if (key !== undefined) keys.push(key);
    } catch (err) {
      skipped.push((err as Error).message);
    }
  });
  if (keys.length === 0) throw new Error(`${source}: no RS256 or ES256 signing key in the set${skipped.length > 0 ? ` (${skipped[0]})` : ''}`);
  return { keys, skipped };
}

/** A JWKS from a file or the configuration: every RSA/EC signing entry must be usable. */
export function parseJwks(json: string, source: string): JwtPublicKey[] {
  let parsed: JwksDocument;
  try {
    parsed = parseJwksDocument(json, source);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (parsed.skipped.length > 0) throw new ConfigError(parsed.skipped[0]!);
  return parsed.keys;
}

function jwksEntry(entry: unknown, where: string): JwtPublicKey | undefined {
  if (!isRecord(entry)) throw new ConfigError(`${where}: not an object`);
  const { kty, use, alg, kid, crv } = entry;
  if (use !== undefined && use !== 'sig') return undefined;
  if (kty === 'RSA' && (alg === undefined || alg === 'RS256')) {
    return jwkKey({ kty: 'RSA', n: member(entry, 'n', where), e: member(entry, 'e', where) }, where, kid, alg);
  }
  if (kty === 'EC' && crv === 'P-256' && (alg === undefined || alg === 'ES256')) {
    return jwkKey({ kty: 'EC', crv: 'P-256', x: member(entry, 'x', where), y: member(entry, 'y', where) }, where, kid, alg);
  }
  return undefined;
}

function member(entry: Record<string, unknown>, name: string, where: string): string {
  const value = entry[name];
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${where}: missing "${name}"`);
  return value;
}

function jwkKey(publicPart: JsonWebKey, where: string, kid: unknown, alg: unknown): JwtPublicKey {
  if (kid !== undefined && typeof kid !== 'string') throw new ConfigError(`${where}: "kid" must be a string`);
  let key: KeyObject;
  try {
    // Only the public members are passed, so a JWKS that accidentally includes "d" still yields a public key.
    key = createPublicKey({ key: publicPart, format: 'jwk' });
  } catch (err) {
    throw new ConfigError(`${where}: invalid key: ${(err as Error).message}`);
  }
  return {
    key,
    kty: classify(key, where),
    ...(kid !== undefined ? { kid } : {}),
    ...(typeof alg === 'string' ? { alg } : {}),
    source: where,
  };
}

export type ReadTextFile = (path: string) => string;

/** Standard base64 as Grafana's `key_value` / `jwk_set_value` take it (whitespace ignored). */
function decodeInline(value: string, key: string): string {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new ConfigError(`[auth.jwt] ${key}: not base64 (encode the file with: base64 < file | tr -d '\\n')`, { section: 'auth.jwt', key });
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Reads every key source configured in `[auth.jwt]` except `jwk_set_url` (fetched later, see jwks-remote.ts). */
export function loadJwtKeySet(cfg: JwtAuthConfig, readFile: ReadTextFile = (p) => readFileSync(p, 'utf8')): JwtKeySet {
  const read = (path: string, key: string): string => {
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError(`[auth.jwt] ${key}: cannot read ${path}: ${(err as Error).message}`, { section: 'auth.jwt', key });
    }
  };
  // Grafana's key_id: the kid of the PEM key, so tokens naming that kid select it.
  const withKeyId = (keys: JwtPublicKey[]): JwtPublicKey[] => (cfg.keyId === '' ? keys : keys.map((k) => ({ ...k, kid: cfg.keyId })));
  const publicKeys: JwtPublicKey[] = [];
  if (cfg.keyFile !== '') publicKeys.push(...withKeyId(parsePemKeys(read(cfg.keyFile, 'key_file'), cfg.keyFile)));
  if (cfg.keyValue !== '') publicKeys.push(...withKeyId(parsePemKeys(decodeInline(cfg.keyValue, 'key_value'), '[auth.jwt] key_value')));
  if (cfg.jwkSetFile !== '') publicKeys.push(...parseJwks(read(cfg.jwkSetFile, 'jwk_set_file'), cfg.jwkSetFile));
  if (cfg.jwkSetValue !== '') publicKeys.push(...parseJwks(decodeInline(cfg.jwkSetValue, 'jwk_set_value'), '[auth.jwt] jwk_set_value'));
  return {
    publicKeys,
    ...(cfg.hmacSecret !== '' ? { hmacSecret: Buffer.from(cfg.hmacSecret, 'utf8') } : {}),
  };
}
