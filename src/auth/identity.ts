// Who is calling: resolved once per HTTP request or WebSocket upgrade, then carried by the session.
// Mirrors the identity seam of Grafana Live (userId as decimal string, "0" for anonymous).

import { roleAtLeast, type OrgRole } from '../roles/org-role.js';

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

/** True when the identity's role is at least `required` (Admin > Editor > Viewer). */
export function hasRole(identity: Identity, required: OrgRole): boolean {
  return roleAtLeast(identity.role, required);
}
