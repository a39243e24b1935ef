// Turns the claims of a verified JWT into an Identity and enforces `[auth.jwt] expect_claims`.
// Pure functions over parsed JSON, kept apart from signature checking so each can be tested alone.

import { parseOrgRole, type Identity, type OrgRole } from './identity.js';
import { derivedUserId } from './stable-id.js';

export type Claims = Record<string, unknown>;

export interface JwtClaimRules {
  readonly loginClaim: string;
  readonly orgIdClaim: string;
  readonly defaultOrgId: number;
  readonly roleClaim: string;
  readonly expectClaims: Readonly<Record<string, unknown>>;
}

export type ClaimsOutcome = { ok: true; identity: Identity } | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A claim by name; when no claim has that exact name, a dotted name walks nested objects (`user.role`). */
export function readClaim(claims: Claims, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Undefined when every expected claim matches, else the name of the first mismatching claim. */
export function findClaimMismatch(claims: Claims, expected: Readonly<Record<string, unknown>>): string | undefined {
  for (const [name, want] of Object.entries(expected)) {
    const have = claims[name];
    if (have === undefined) return name;
    if (name === 'aud') {
      // RFC 7519 §4.1.3: aud is a string or an array; every expected audience must be present.
      const audiences = asList(have);
      if (!asList(want).every((a) => audiences.some((h) => jsonEqual(h, a)))) return name;
    } else if (!jsonEqual(have, want)) {
      return name;
    }
  }
  return undefined;
}

const DECIMAL_ID = /^[1-9][0-9]{0,18}$/;

/** Login, user id, org and role from verified claims; a present but unusable claim rejects the token. */
export function identityFromClaims(claims: Claims, rules: JwtClaimRules, expiresAt?: number): ClaimsOutcome {
  const loginValue = readClaim(claims, rules.loginClaim);
  const login = typeof loginValue === 'number' ? String(loginValue) : loginValue;
  if (typeof login !== 'string' || login === '') return { ok: false, message: `token has no "${rules.loginClaim}" claim` };

  // A decimal `sub` is the user's id (the issuer is Grafana-like); anything else gets a stable derived id.
  // "0" is reserved for anonymous, so it is never taken over.
  const sub = claims.sub;
  const subject = typeof sub === 'string' && sub !== '' ? sub : login;
  const userId = DECIMAL_ID.test(subject) ? subject : derivedUserId('jwt', subject);

  const nameValue = claims.name;
  const name = typeof nameValue === 'string' && nameValue.trim() !== '' ? nameValue : login;

  const orgValue = readClaim(claims, rules.orgIdClaim);
  let orgId = rules.defaultOrgId;
  if (orgValue !== undefined && orgValue !== null) {
    const n = typeof orgValue === 'number' ? orgValue : typeof orgValue === 'string' && /^\d+$/.test(orgValue) ? Number(orgValue) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) return { ok: false, message: `invalid "${rules.orgIdClaim}" claim` };
    orgId = n;
  }

  const roleValue = readClaim(claims, rules.roleClaim);
  let role: OrgRole = 'Viewer';
  if (roleValue !== undefined && roleValue !== null) {
    const parsed = typeof roleValue === 'string' ? parseOrgRole(roleValue) : undefined;
    if (!parsed) return { ok: false, message: `invalid "${rules.roleClaim}" claim` };
    role = parsed;
  }

  return {
    ok: true,
    identity: {
      userId,
      login,
      name,
      orgId,
      role,
      authMethod: 'jwt',
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    },
  };
}
