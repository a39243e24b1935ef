// The organization and role a verified JWT acts with. Grafana's rules (its JWT client and
// OrgRoleMapper) decide the role: `role_attribute_path` (JMESPath; "GrafanaAdmin" counts as Admin),
// `org_attribute_path` + `org_mapping` (the higher of the two roles wins), Viewer when nothing valid
// is found unless `role_attribute_strict`, nothing from the token at all with `skip_org_role_sync`.
// A livehub connection acts in one org, chosen by the token's org id claim, else `default_org_id`,
// else the lowest mapped org. livehub has no role below Viewer, so "None" refuses the token.

import { parseOrgRole, type OrgRole } from '../roles/org-role.js';
import { searchString, searchStrings, type ClaimPath } from './jmespath.js';
import { ANY_ORG, isMappedRole, mapOrgRoles, topRole, type MappedRole, type OrgMapping } from '../roles/org-mapping.js';

export interface OrgRoleRules {
  /** livehub's role claim (name or dotted path), used when `rolePath` is absent. */
  readonly roleClaim: string;
  readonly rolePath: ClaimPath | undefined;
  readonly roleAttributeStrict: boolean;
  readonly orgPath: ClaimPath | undefined;
  readonly orgMapping: OrgMapping;
  readonly orgIdClaim: string;
  readonly defaultOrgId: number;
  readonly skipOrgRoleSync: boolean;
}

export type OrgRoleOutcome = { ok: true; orgId: number; role: OrgRole } | { ok: false; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A claim by name; when no claim has that exact name, a dotted name walks nested objects (`user.role`). */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

const fail = (message: string): OrgRoleOutcome => ({ ok: false, message });

/** The org the token asks for through the org id claim: undefined when absent, NaN when unusable. */
function requestedOrg(claims: Record<string, unknown>, claim: string): number | undefined {
  const value = readClaim(claims, claim);
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : NaN;
}

/** The role named directly by the token: '' when none; an error for livehub's role claim with a bad value. */
function directRole(claims: Record<string, unknown>, rules: OrgRoleRules): MappedRole | '' | { error: string } {
  if (rules.rolePath !== undefined) {
    const role = searchString(rules.rolePath, claims);
    if (role === 'GrafanaAdmin') return 'Admin'; // livehub has no server admin: the org role is what remains
    return isMappedRole(role) ? role : '';
  }
  const value = readClaim(claims, rules.roleClaim);
  if (value === undefined || value === null) return '';
  const parsed = typeof value === 'string' ? parseOrgRole(value) : undefined;
  return parsed ?? { error: `invalid "${rules.roleClaim}" claim` };
}

function granted(orgId: number, role: MappedRole): OrgRoleOutcome {
  if (role === 'None') return fail(`role None in org ${orgId}: no access`);
  return { ok: true, orgId, role };
}

export function resolveOrgRole(claims: Record<string, unknown>, rules: OrgRoleRules): OrgRoleOutcome {
  if (rules.skipOrgRoleSync) return { ok: true, orgId: rules.defaultOrgId, role: 'Viewer' };
  const requested = requestedOrg(claims, rules.orgIdClaim);
  if (Number.isNaN(requested)) return fail(`invalid "${rules.orgIdClaim}" claim`);
  const direct = directRole(claims, rules);
  if (typeof direct === 'object') return fail(direct.error);

  if (rules.orgMapping.size > 0) {
    const external = rules.orgPath !== undefined ? searchStrings(rules.orgPath, claims) : [];
    const mapped = mapOrgRoles(rules.orgMapping, external);
    if (mapped.size > 0) {
      const everyOrg = mapped.get(ANY_ORG);
      const roleIn = (orgId: number): MappedRole | undefined => {
        const own = mapped.get(orgId);
        const merged = own === undefined ? everyOrg : everyOrg === undefined ? own : topRole(own, everyOrg);
        return merged === undefined ? undefined : direct === '' ? merged : topRole(direct, merged);
      };
      const explicitOrgs = [...mapped.keys()].filter((id) => id !== ANY_ORG).sort((a, b) => a - b);
      const orgId = requested ?? (roleIn(rules.defaultOrgId) !== undefined ? rules.defaultOrgId : explicitOrgs[0] ?? rules.defaultOrgId);
      const role = roleIn(orgId);
      if (role === undefined) return fail(`org ${orgId} is not granted by org_mapping`);
      return granted(orgId, role);
    }
  }

  // Grafana's default org mapping: the direct role in the default org, else Viewer unless strict.
  if (direct === '' && rules.roleAttributeStrict) return fail('no valid role in the token (role_attribute_strict)');
  return granted(requested ?? rules.defaultOrgId, direct === '' ? 'Viewer' : direct);
}
