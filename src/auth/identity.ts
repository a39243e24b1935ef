// Who is calling: resolved once per HTTP request or WebSocket upgrade, then carried by the session.
// Mirrors the identity seam of Grafana Live (userId as decimal string, "0" for anonymous).

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';

export const ORG_ROLES: readonly OrgRole[] = ['Viewer', 'Editor', 'Admin'];

export type AuthMethod = 'anonymous' | 'api_token' | 'jwt';

export interface Identity {
  /** Decimal user id; "0" for anonymous. Used as ClientInfo.user. */
  readonly userId: string;
  readonly login: string;
  readonly name: string;
  readonly orgId: number;
  readonly role: OrgRole;
  readonly authMethod: AuthMethod;
  /** Expiry of the credential in epoch ms, if it has one (JWT exp). */
  readonly expiresAt?: number;
  /**
   * Compact id of the revocable credential behind this identity (API tokens: `glh:` + 16 characters
   * derived from the token's hash; never the secret). Open sessions and push sockets using it are
   * closed when the token is deleted or changed (docs/authorization.md, "Sessions end").
   */
  readonly credentialId?: string;
}

/**
 * Credentials that ended, as credential ids: `revoked` ones no longer authenticate anyone (deleted,
 * or their secret replaced); `changed` ones still exist but stand for another name, org or role.
 * Sessions using either are closed (revoked: 3500, changed: 3011, so the client reconnects with
 * what the credential now grants).
 */
export interface CredentialChange {
  readonly revoked: readonly string[];
  readonly changed: readonly string[];
}

const ROLE_RANK: Record<OrgRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** True when `role` is at least `required` (Admin > Editor > Viewer). */
export function hasRole(identity: Identity, required: OrgRole): boolean {
  return ROLE_RANK[identity.role] >= ROLE_RANK[required];
}

export function isOrgRole(value: string): value is OrgRole {
  return (ORG_ROLES as readonly string[]).includes(value);
}

/** Case-insensitive role parse ("viewer", "ADMIN"), undefined when unknown. */
export function parseOrgRole(value: string): OrgRole | undefined {
  const v = value.trim().toLowerCase();
  return ORG_ROLES.find((r) => r.toLowerCase() === v);
}
