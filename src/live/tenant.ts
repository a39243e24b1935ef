// Tenant prefixes of full channels, in both of Grafana's forms: the numeric org id ("1/...") and the
// namespace ("default", "org-2", "stacks-7"). Both parse to one canonical Tenant; livehub emits one
// canonical form (numeric by default, namespaces when [live] namespaced = true).

export interface Tenant {
  /** Org id (>= 1); undefined for a Grafana Cloud stack namespace, which maps to no local org. */
  readonly orgId: number | undefined;
  /** Canonical namespace: "default" for org 1, "org-<N>", or "stacks-<N>". */
  readonly namespace: string;
}

export type TenantForm = 'numeric' | 'namespace';

function parsePositiveInt(text: string): number | undefined {
  if (text.length === 0 || text.length > 15) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  if (text.length > 1 && text.charCodeAt(0) === 0x30) return undefined; // no leading zeros
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

export function tenantForOrg(orgId: number): Tenant {
  return { orgId, namespace: orgId === 1 ? 'default' : `org-${orgId}` };
}

/** Parses a tenant prefix in either form; undefined when malformed. */
export function parseTenant(prefix: string): Tenant | undefined {
  if (prefix === 'default') return tenantForOrg(1);
  if (prefix.startsWith('org-')) {
    const id = parsePositiveInt(prefix.slice(4));
    return id === undefined ? undefined : tenantForOrg(id);
  }
  if (prefix.startsWith('stacks-')) {
    const id = parsePositiveInt(prefix.slice(7));
    return id === undefined ? undefined : { orgId: undefined, namespace: `stacks-${id}` };
  }
  const id = parsePositiveInt(prefix);
  return id === undefined ? undefined : tenantForOrg(id);
}

export function formatTenant(tenant: Tenant, form: TenantForm): string {
  if (form === 'namespace' || tenant.orgId === undefined) return tenant.namespace;
  return String(tenant.orgId);
}

export interface PrefixedChannel {
  readonly tenant: Tenant;
  /** The unprefixed part, unvalidated. */
  readonly channel: string;
}

/** Splits "<tenant>/<channel>" at the first slash; undefined when there is no valid tenant. */
export function splitPrefixed(full: string): PrefixedChannel | undefined {
  const slash = full.indexOf('/');
  if (slash <= 0) return undefined;
  const tenant = parseTenant(full.slice(0, slash));
  if (tenant === undefined) return undefined;
  return { tenant, channel: full.slice(slash + 1) };
}
