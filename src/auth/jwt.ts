// Verifies compact JWS tokens (RS256, ES256, HS256) with node:crypto and maps their claims to an
// Identity. Every check fails closed and nothing here throws on bad input: a token is either
// accepted, "expired" (so the WebSocket layer can answer 110 / close 3005), or "invalid".
// Verification itself is synchronous (`verify`); `verifyFresh` first brings the keys of
// `jwk_set_url` up to date (cache_ttl, one refetch for an unknown kid) and then verifies.

import { createHmac, timingSafeEqual, verify as verifySignature, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import type { JwtAuthConfig } from '../config/types.js';
import type { Identity } from './identity.js';
import type { Logger } from '../log/logger.js';
import { RemoteJwks } from './jwks-remote.js';
import { claimRulesFromConfig, findClaimMismatch, identityFromClaims, type Claims, type JwtClaimRules } from './jwt-claims.js';
import { loadJwtKeySet, type JwtKeySet, type JwtKeyType, type JwtPublicKey } from './jwt-keys.js';

export type JwtVerifyResult =
  | { ok: true; identity: Identity; claims: Claims }
  | { ok: false; reason: 'invalid' | 'expired'; message: string };

export interface JwtVerifierOptions {
  readonly keys: JwtKeySet;
  /** The keys of `jwk_set_url`, when configured. */
  readonly remote?: RemoteJwks;
  readonly rules: JwtClaimRules;
  /** Clock in epoch ms; injectable for tests. */
  readonly now?: () => number;
  /**
   * Tolerated clock difference with the issuer for `nbf` and `iat` (default 30 s). `exp` gets no
   * tolerance: an expired token is expired, and clients reconnect with a fresh one anyway.
   */
  readonly clockSkewSeconds?: number;
}

/** Tokens longer than this are refused before any parsing (Node's header limit is 16 KiB anyway). */
export const MAX_JWT_LENGTH = 16 * 1024;

const SEGMENT = /^[A-Za-z0-9_-]+$/;

const ALGORITHMS: Readonly<Record<string, JwtKeyType | 'HMAC'>> = { RS256: 'RSA', ES256: 'EC', HS256: 'HMAC' };

function invalid(message: string): JwtVerifyResult {
  return { ok: false, reason: 'invalid', message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

type Parsed = {
  readonly family: JwtKeyType | 'HMAC';
  readonly alg: string;
  readonly kid: string | undefined;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
  readonly payloadPart: string;
};

/** A verification outcome, marked when it failed only because no key carries the token's kid. */
type Checked = JwtVerifyResult & { readonly unknownKid?: true };

export class JwtVerifier {
  private readonly keys: JwtKeySet;
  private readonly remote: RemoteJwks | undefined;
  private readonly rules: JwtClaimRules;
  private readonly now: () => number;
  private readonly skewMs: number;

  constructor(options: JwtVerifierOptions) {
    this.keys = options.keys;
    this.remote = options.remote;
    this.rules = options.rules;
    this.now = options.now ?? Date.now;
    this.skewMs = (options.clockSkewSeconds ?? 30) * 1000;
  }

  /** Loads the keys named in `[auth.jwt]` (throws ConfigError when they cannot be read); `jwk_set_url` is fetched on demand. */
  static fromConfig(cfg: JwtAuthConfig, options: { now?: () => number; log?: Logger } = {}): JwtVerifier {
    return new JwtVerifier({
      keys: loadJwtKeySet(cfg),
      rules: claimRulesFromConfig(cfg),
      ...(cfg.jwkSetUrl !== '' ? { remote: remoteJwksFromConfig(cfg, options.log) } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** The `jwk_set_url` key set, if configured (for metrics and the start-up fetch). */
  get remoteKeys(): RemoteJwks | undefined {
    return this.remote;
  }

  /** Verifies with the keys at hand, without waiting for `jwk_set_url`. */
  verify(token: string): JwtVerifyResult {
    const parsed = this.parseSafely(token);
    return 'ok' in parsed ? parsed : this.checkSafely(parsed);
  }

  /**
   * Verifies after making sure the `jwk_set_url` keys are current: stale keys are refetched first,
   * and a kid no key carries triggers one (cooldown-limited) refetch and a second check.
   */
  async verifyFresh(token: string): Promise<JwtVerifyResult> {
    const parsed = this.parseSafely(token);
    if ('ok' in parsed) return parsed;
    const remote = this.remote;
    if (remote === undefined || parsed.family === 'HMAC') return this.checkSafely(parsed);
    await remote.ensureFresh();
    const first = this.checkSafely(parsed);
    if (first.ok || first.unknownKid !== true || !(await remote.refreshForUnknownKid())) return first;
    return this.checkSafely(parsed);
  }

  private parseSafely(token: string): Parsed | JwtVerifyResult {
    try {
      return this.parse(token);
    } catch {
      // Defence in depth: a token must never crash a caller.
      return invalid('malformed token');
    }
  }

  private checkSafely(parsed: Parsed): Checked {
    try {
      return this.check(parsed);
    } catch {
      // node:crypto throws on some malformed keys/signatures.
      return invalid('malformed token');
    }
  }

  private parse(token: string): Parsed | JwtVerifyResult {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) return invalid('malformed token');
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p) && p.length % 4 !== 1)) return invalid('malformed token');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

    const header = decodeJson(headerPart);
    if (!header) return invalid('malformed token header');
    const alg = header.alg;
    if (typeof alg !== 'string') return invalid('token header has no "alg"');
    // alg "none" (any case) and every algorithm we do not implement are rejected the same way.
    const family = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
    if (!family) return invalid(`unsupported token algorithm ${JSON.stringify(alg).slice(0, 40)}`);
    // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
    if (header.crit !== undefined) return invalid('unsupported critical header parameters');
    return {
      family,
      alg,
      kid: typeof header.kid === 'string' ? header.kid : undefined,
      signingInput: Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'),
      signature: Buffer.from(signaturePart, 'base64url'),
      payloadPart,
    };
  }

  private check(token: Parsed): Checked {
    const { family, alg, kid, signingInput, signature } = token;
    if (family === 'HMAC') {
      const ok = this.checkHmac(signingInput, signature);
      if (ok !== true) return invalid(ok);
    } else {
      const candidates = this.candidateKeys(family, alg, kid);
      if (candidates.length === 0) {
        if (kid !== undefined && this.hasPublicKeys()) {
          return { ...invalid(`no ${alg} key with kid ${JSON.stringify(kid).slice(0, 80)}`), unknownKid: true };
        }
        if (this.remote !== undefined && this.remote.keys.length === 0) return invalid(`${alg} token cannot be checked: no keys from jwk_set_url yet`);
        return invalid(`${alg} tokens are not accepted (no matching key configured)`);
      }
      // ES256 signatures are raw r||s (64 bytes), not DER.
      if (family === 'EC' && signature.length !== 64) return invalid('invalid token signature');
      if (!candidates.some((k) => verifyWith(k.key, family, signingInput, signature))) return invalid('invalid token signature');
    }

    const claims = decodeJson(token.payloadPart);
    if (!claims) return invalid('malformed token payload');
    return this.checkClaims(claims);
  }

  private hasPublicKeys(): boolean {
    return this.keys.publicKeys.length > 0 || this.remote !== undefined;
  }

  private checkHmac(input: Buffer, signature: Buffer): true | string {
    // Only the configured secret is ever used: a public key as HMAC secret is the algorithm-confusion attack.
    if (!this.keys.hmacSecret) return 'HS256 tokens are not accepted (no hmac_secret configured)';
    const expected = createHmac('sha256', this.keys.hmacSecret).update(input).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected) ? true : 'invalid token signature';
  }

  /** Keys of the token's type; a `kid` selects the keys carrying it, plus keys that have no kid (PEM). */
  private candidateKeys(kty: JwtKeyType, alg: string, kid: string | undefined): JwtPublicKey[] {
    const all = this.remote === undefined ? this.keys.publicKeys : [...this.keys.publicKeys, ...this.remote.keys];
    const usable = all.filter((k) => k.kty === kty && (k.alg === undefined || k.alg === alg));
    if (kid === undefined) return usable;
    return usable.filter((k) => k.kid === undefined || k.kid === kid);
  }

  private checkClaims(claims: Claims): JwtVerifyResult {
    const { exp, nbf, iat } = claims;
    const now = this.now();
    if (exp !== undefined && !isNumericDate(exp)) return invalid('invalid "exp" claim');
    if (nbf !== undefined && !isNumericDate(nbf)) return invalid('invalid "nbf" claim');
    if (iat !== undefined && !isNumericDate(iat)) return invalid('invalid "iat" claim');
    if (exp !== undefined && exp * 1000 <= now) return { ok: false, reason: 'expired', message: 'token expired' };
    if (nbf !== undefined && nbf * 1000 > now + this.skewMs) return invalid('token not valid yet');
    if (iat !== undefined && iat * 1000 > now + this.skewMs) return invalid('token issued in the future');

    const mismatch = findClaimMismatch(claims, this.rules.expectClaims);
    if (mismatch !== undefined) return invalid(`unexpected "${mismatch}" claim`);

    const outcome = identityFromClaims(claims, this.rules, exp !== undefined ? exp * 1000 : undefined);
    return outcome.ok ? { ok: true, identity: outcome.identity, claims } : invalid(outcome.message);
  }
}

function verifyWith(key: KeyObject, kty: JwtKeyType, input: Buffer, signature: Buffer): boolean {
  try {
    return kty === 'RSA'
      ? verifySignature('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      : verifySignature('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

function remoteJwksFromConfig(cfg: JwtAuthConfig, log: Logger | undefined): RemoteJwks {
  return new RemoteJwks({
    url: new URL(cfg.jwkSetUrl),
    cacheTtlMs: cfg.cacheTtlMs,
    cooldownMs: cfg.jwkSetRefetchCooldownMs,
    timeoutMs: cfg.jwkSetTimeoutMs,
    maxBytes: cfg.jwkSetMaxBytes,
    rejectUnauthorized: !cfg.tlsSkipVerifyInsecure,
    ...(cfg.jwkSetBearerTokenFile !== '' ? { bearerTokenFile: cfg.jwkSetBearerTokenFile } : {}),
    ...(cfg.tlsClientCa !== '' ? { ca: readCaFile(cfg.tlsClientCa) } : {}),
    ...(log !== undefined ? { log } : {}),
  });
}

function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`[auth.jwt] tls_client_ca: cannot read ${path}: ${(err as Error).message}`, { section: 'auth.jwt', key: 'tls_client_ca' });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`[auth.jwt] tls_client_ca: ${path} holds no PEM certificate`, { section: 'auth.jwt', key: 'tls_client_ca' });
  }
  return text;
}
