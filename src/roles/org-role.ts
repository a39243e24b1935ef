// Grafana's organization roles: a leaf that config (validating `org_role` and `org_mapping`), auth
// (identities) and the embedding API share, so neither of them has to import the other.

export type OrgRole = 'Viewer' | 'Editor' | 'Admin';

export const ORG_ROLES: readonly OrgRole[] = ['Viewer', 'Editor', 'Admin'];

const ROLE_RANK: Record<OrgRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/** True when `role` is at least `required` (Admin > Editor > Viewer). */
export function roleAtLeast(role: OrgRole, required: OrgRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

/** Case-insensitive role parse ("viewer", "ADMIN"), undefined when unknown. */
export function parseOrgRole(value: string): OrgRole | undefined {
  const v = value.trim().toLowerCase();
  return ORG_ROLES.find((r) => r.toLowerCase() === v);
}
