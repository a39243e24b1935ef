// Turns the claims of a verified JWT into an Identity and enforces `[auth.jwt] expect_claims`.
// Pure functions over parsed JSON, kept apart from signature checking so each can be tested alone.
// The login follows Grafana: `username_claim` (livehub alias `login_claim`), else
// `username_attribute_path`, else the e-mail (`email_claim` / `email_attribute_path`); with none of
// them configured, livehub uses `sub`.

import type { JwtAuthConfig } from '../config/types.js';
import type { Identity } from './identity.js';
import { compileClaimPath, searchString, type ClaimPath } from './jmespath.js';
import { readClaim, resolveOrgRole, type OrgRoleRules } from './jwt-roles.js';
import { parseOrgMapping } from '../roles/org-mapping.js';
import { derivedUserId } from './stable-id.js';

export type Claims = Record<string, unknown>;

/** Where the login, e-mail and name come from, and the org/role rules, compiled once. */
export interface JwtClaimRules extends OrgRoleRules {
  /** `username_claim` / `login_claim` (name or dotted path); '' when not configured. */
  readonly usernameClaim: string;
  readonly usernamePath: ClaimPath | undefined;
  readonly emailClaim: string;
  readonly emailPath: ClaimPath | undefined;
  readonly namePath: ClaimPath | undefined;
  readonly expectClaims: Readonly<Record<string, unknown>>;
}

export type ClaimsOutcome = { ok: true; identity: Identity } | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const compileOptional = (expression: string): ClaimPath | undefined => (expression === '' ? undefined : compileClaimPath(expression));

/**
 * Compiles the claim rules of `[auth.jwt]`. The loader has validated every expression already;
 * org_mapping problems were reported at start-up and the entries concerned are skipped here.
 */
export function claimRulesFromConfig(cfg: JwtAuthConfig): JwtClaimRules {
  return {
    usernameClaim: cfg.usernameClaim !== '' ? cfg.usernameClaim : cfg.loginClaim,
    usernamePath: compileOptional(cfg.usernameAttributePath),
    emailClaim: cfg.emailClaim,
    emailPath: compileOptional(cfg.emailAttributePath),
    namePath: compileOptional(cfg.nameAttributePath),
    roleClaim: cfg.roleClaim,
    rolePath: compileOptional(cfg.roleAttributePath),
    roleAttributeStrict: cfg.roleAttributeStrict,
    orgPath: compileOptional(cfg.orgAttributePath),
    orgMapping: parseOrgMapping(cfg.orgMapping, cfg.roleAttributeStrict).mapping,
    orgIdClaim: cfg.orgIdClaim,
    defaultOrgId: cfg.defaultOrgId,
    skipOrgRoleSync: cfg.skipOrgRoleSync,
    expectClaims: cfg.expectClaims,
  };
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

/** A claim value usable as a login or e-mail: a non-empty string, or a number (livehub's leniency). */
function claimText(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? value : '';
}

/** The login, or the message explaining that the token has none. */
function findLogin(claims: Claims, rules: JwtClaimRules): { login: string } | { missing: string } {
  const configured = rules.usernameClaim !== '' || rules.usernamePath !== undefined || rules.emailClaim !== '' || rules.emailPath !== undefined;
  if (!configured) {
    const sub = claimText(claims.sub);
    return sub !== '' ? { login: sub } : { missing: 'token has no "sub" claim' };
  }
  const username = rules.usernameClaim !== '' ? claimText(readClaim(claims, rules.usernameClaim))
    : rules.usernamePath !== undefined ? searchString(rules.usernamePath, claims) : '';
  if (username !== '') return { login: username };
  const email = rules.emailClaim !== '' ? claimText(readClaim(claims, rules.emailClaim))
    : rules.emailPath !== undefined ? searchString(rules.emailPath, claims) : '';
  if (email !== '') return { login: email };
  const sources = [
    rules.usernameClaim !== '' ? `no "${rules.usernameClaim}" claim` : rules.usernamePath !== undefined ? 'no username at username_attribute_path' : '',
    rules.emailClaim !== '' ? `no "${rules.emailClaim}" claim` : rules.emailPath !== undefined ? 'no e-mail at email_attribute_path' : '',
  ].filter((s) => s !== '');
  return { missing: `token has no login: ${sources.join(', ')}` };
}

/** Login, user id, name, org and role from verified claims; a present but unusable claim rejects the token. */
export function identityFromClaims(claims: Claims, rules: JwtClaimRules, expiresAt?: number): ClaimsOutcome {
  const found = findLogin(claims, rules);
  if ('missing' in found) return { ok: false, message: found.missing };
  const login = found.login;

  // A decimal `sub` is the user's id (the issuer is Grafana-like); anything else gets a stable derived id.
  // "0" is reserved for anonymous, so it is never taken over.
  const sub = claims.sub;
  const subject = typeof sub === 'string' && sub !== '' ? sub : login;
  const userId = DECIMAL_ID.test(subject) ? subject : derivedUserId('jwt', subject);

  const nameValue = rules.namePath !== undefined ? searchString(rules.namePath, claims) : claims.name;
  const name = typeof nameValue === 'string' && nameValue.trim() !== '' ? nameValue : login;

  const orgRole = resolveOrgRole(claims, rules);
  if (!orgRole.ok) return { ok: false, message: orgRole.message };

  return {
    ok: true,
    identity: {
      userId,
      login,
      name,
      orgId: orgRole.orgId,
      role: orgRole.role,
      authMethod: 'jwt',
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    },
  };
}
