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
