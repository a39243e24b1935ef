// The text form of livehub API tokens and how they are stored: `glh_` + 43 base64url characters
// (32 random bytes); only "sha256:<hex>" of the token is ever written to disk.

import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'glh_';

/** Generated tokens: prefix + base64url of 32 random bytes (43 characters, no padding). */
export const GENERATED_TOKEN = /^glh_[A-Za-z0-9_-]{43}$/;

/** Provisioned plain tokens may be chosen by the operator but must still be long enough to resist guessing. */
export const PROVISIONED_TOKEN = /^glh_[A-Za-z0-9_-]{16,256}$/;

export const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

/** Names appear in logins (`sa-<name>`) and on the command line, so keep them plain. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** True for anything that claims to be an API token; whether it is a valid one is the store's call. */
export function isApiTokenText(text: string): boolean {
  return text.startsWith(API_TOKEN_PREFIX);
}

export function apiTokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function hashApiToken(token: string): string {
  return `sha256:${apiTokenDigest(token).toString('hex')}`;
}

/**
 * The credential id sessions carry and nodes exchange to revoke a token (never the secret): 12 bytes
 * of the token's SHA-256 in base64url. Every node derives the same id from the same token, whichever
 * file it read it from; 96 bits keep accidental collisions out of reach.
 */
export function credentialIdOf(digest: Buffer): string {
  return `glh:${digest.subarray(0, 12).toString('base64url')}`;
}
