// Grafana's `[auth.jwt] org_mapping`: entries `<external org or group>:<org id>:<role>` map what the
// token's `org_attribute_path` yields to organizations and roles. Parsing and merging follow Grafana's
// OrgRoleMapper: `*` as external matches every user, `*` as org means every org, a missing or unknown
// role is Viewer (unless role_attribute_strict, where any bad entry empties the whole mapping), `\:`
// escapes a colon, and the top role wins when several entries name the same org. livehub has no
// organization names, so an org must be given by its numeric id.

import { ORG_ROLES, type OrgRole } from './org-role.js';

/** A Grafana role as written in settings and tokens; "None" grants nothing. */
export type MappedRole = OrgRole | 'None';

/** The org of a `*` entry: every organization. */
export const ANY_ORG = -1;

export type OrgMapping = ReadonlyMap<string, ReadonlyMap<number, MappedRole>>;

export interface ParsedOrgMapping {
  readonly mapping: OrgMapping;
  /** One line per skipped entry (or the reason the whole mapping was dropped), for the start-up log. */
  readonly problems: readonly string[];
}

const RANK: Record<MappedRole, number> = { None: 0, Viewer: 1, Editor: 2, Admin: 3 };

/** Exactly Grafana's role names (case-sensitive, as Grafana's RoleType.IsValid). */
export function isMappedRole(text: string): text is MappedRole {
  return text === 'None' || (ORG_ROLES as readonly string[]).includes(text);
}

/** Grafana's getTopRole: the stronger of two roles; an absent one yields the other. */
export function topRole(a: MappedRole | undefined, b: MappedRole): MappedRole {
  return a !== undefined && RANK[a] >= RANK[b] ? a : b;
}

/** Grafana's util.SplitString: a JSON array of strings, or items separated by commas and/or spaces. */
export function splitOrgMappingSetting(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every((v): v is string => typeof v === 'string')) return parsed;
    } catch {
      // Grafana drops a malformed JSON list entirely; the caller reports it.
    }
    throw new Error('must be a JSON array of strings when it starts with "["');
  }
  return trimmed.replaceAll(',', ' ').split(/\s+/).filter((item) => item !== '');
}

/** Splits one entry on unescaped colons (`\:` is a literal colon); more than three parts is invalid. */
function splitEntry(entry: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < entry.length; i++) {
    const ch = entry[i]!;
    if (ch === ':') {
      parts.push(current);
      current = '';
    } else if (ch === '\\' && entry[i + 1] === ':') {
      current += ':';
      i++;
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.length > 3 ? [] : parts;
}

export function parseOrgMapping(entries: readonly string[], strict: boolean): ParsedOrgMapping {
  const mapping = new Map<string, Map<number, MappedRole>>();
  const problems: string[] = [];
  const dropAll = (why: string): ParsedOrgMapping => ({
    mapping: new Map(),
    problems: [...problems, `${why}; with role_attribute_strict = true the whole org_mapping is ignored (as Grafana does)`],
  });
  for (const entry of entries) {
    const parts = splitEntry(entry);
    const [external, orgText, roleText] = parts as [string?, string?, string?];
    if (parts.length < 2 || external === undefined || orgText === undefined) {
      const why = `org_mapping entry ${JSON.stringify(entry)} is not <external>:<org id>[:<role>]`;
      if (strict) return dropAll(why);
      problems.push(`${why}; entry skipped`);
      continue;
    }
    let orgId: number;
    if (orgText === '*') orgId = ANY_ORG;
    else if (/^[1-9][0-9]{0,15}$/.test(orgText)) orgId = Number(orgText);
    else {
      const why = orgText === ''
        ? `org_mapping entry ${JSON.stringify(entry)} names no organization`
        : `org_mapping entry ${JSON.stringify(entry)}: livehub has no organization names, use the numeric org id instead of ${JSON.stringify(orgText)}`;
      if (strict) return dropAll(why);
      problems.push(`${why}; entry skipped`);
      continue;
    }
    const validRole = roleText !== undefined && isMappedRole(roleText);
    if (!validRole && strict) return dropAll(`org_mapping entry ${JSON.stringify(entry)} has no valid role (None, Viewer, Editor or Admin)`);
    if (!validRole && roleText !== undefined && roleText !== '') {
      problems.push(`org_mapping entry ${JSON.stringify(entry)}: unknown role ${JSON.stringify(roleText)} (None, Viewer, Editor or Admin, case-sensitive); Viewer is used`);
    }
    const role: MappedRole = validRole ? (roleText as MappedRole) : 'Viewer';
    let orgs = mapping.get(external);
    if (orgs === undefined) mapping.set(external, (orgs = new Map()));
    // Grafana overwrites on a repeated external/org pair: the last entry counts.
    orgs.set(orgId, role);
  }
  return { mapping, problems };
}

/** Grafana's getMappedOrgRoles: org → top role over the `*` entries and the user's external orgs. */
export function mapOrgRoles(mapping: OrgMapping, externalOrgs: readonly string[]): Map<number, MappedRole> {
  const roles = new Map<number, MappedRole>();
  const add = (orgs: ReadonlyMap<number, MappedRole> | undefined): void => {
    for (const [orgId, role] of orgs ?? []) roles.set(orgId, topRole(roles.get(orgId), role));
  };
  add(mapping.get('*'));
  for (const external of new Set(externalOrgs)) if (external !== '*') add(mapping.get(external));
  return roles;
}
