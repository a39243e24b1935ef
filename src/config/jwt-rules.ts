// Rules of `[auth.jwt]` that involve several keys, and the start-up lines that say how a Grafana
// JWT configuration behaves in livehub: every Grafana key either works as Grafana documents it or
// is named here as not applicable, so nothing differs silently.

import { parseOrgMapping } from '../roles/org-mapping.js';
import { ConfigError, describeOrigin, type ValueOrigin } from './errors.js';
import type { JwtAuthConfig } from './types.js';

/** Where a key's value came from, or undefined when it keeps its default. */
export type SetBy = (key: string) => ValueOrigin | undefined;

export interface JwtConfigReport {
  /** Things that may not do what the operator expects (log level warn). */
  readonly warnings: string[];
  /** How the configuration is applied (log level info). */
  readonly notices: string[];
}

function conflict(key: string, other: string, setBy: SetBy): ConfigError {
  const origin = setBy(key);
  return new ConfigError(
    `[auth.jwt] ${key} and ${other} are both set${origin ? ` (${describeOrigin(origin)})` : ''}: they name the same thing, set only one`,
    { section: 'auth.jwt', key, origin },
  );
}

/** Throws ConfigError for contradictions; returns what to log. */
export function checkJwtConfig(jwt: JwtAuthConfig, setBy: SetBy): JwtConfigReport {
  const warnings: string[] = [];
  const notices: string[] = [];
  const keySources = [jwt.keyFile, jwt.keyValue, jwt.jwkSetFile, jwt.jwkSetValue, jwt.jwkSetUrl, jwt.hmacSecret];
  if (jwt.enabled && keySources.every((s) => s === '')) {
    const enabled = setBy('enabled');
    throw new ConfigError(
      `[auth.jwt] enabled needs key_file, key_value, jwk_set_file, jwk_set_value, jwk_set_url or hmac_secret${enabled ? ` (${describeOrigin(enabled)})` : ''}`,
      { section: 'auth.jwt', key: 'enabled', origin: enabled },
    );
  }
  if (jwt.usernameClaim !== '' && jwt.loginClaim !== '' && jwt.usernameClaim !== jwt.loginClaim) throw conflict('login_claim', 'username_claim', setBy);
  if (jwt.roleAttributePath !== '' && setBy('role_claim') !== undefined) throw conflict('role_claim', 'role_attribute_path', setBy);
  if (!jwt.enabled) return { warnings, notices };

  warnings.push(...parseOrgMapping(jwt.orgMapping, jwt.roleAttributeStrict).problems.map((p) => `[auth.jwt] ${p}`));
  const explicitly = (key: string, value: boolean): boolean => setBy(key) !== undefined && value;
  if (setBy('auto_sign_up') !== undefined && !jwt.autoSignUp) {
    warnings.push('[auth.jwt] auto_sign_up = false: livehub has no user accounts to restrict sign-up to; every token that verifies is accepted');
  }
  if (setBy('url_login') !== undefined && !jwt.urlLogin) {
    warnings.push('[auth.jwt] url_login = false: livehub still accepts a JWT in the auth_token query parameter, where the Grafana frontend puts it for WebSockets');
  }
  if (jwt.skipOrgRoleSync) {
    warnings.push(`[auth.jwt] skip_org_role_sync = true: tokens grant no role or org; every JWT user is a Viewer of org ${jwt.defaultOrgId} (livehub has no user database to manage roles in)`);
  }
  if (jwt.tlsSkipVerifyInsecure && jwt.jwkSetUrl !== '') {
    warnings.push('[auth.jwt] tls_skip_verify_insecure = true: the certificate of jwk_set_url is not verified; anyone on the network path can serve signing keys');
  }
  if (jwt.jwkSetUrl !== '' && jwt.cacheTtlMs === 0) {
    warnings.push('[auth.jwt] cache_ttl = 0: keys are not cached; every JWT verification waits for a request to jwk_set_url');
  }
  if (explicitly('allow_assign_grafana_admin', jwt.allowAssignGrafanaAdmin)) {
    notices.push('[auth.jwt] allow_assign_grafana_admin: not applicable, livehub has no server administrator; GrafanaAdmin maps to the org role Admin');
  }
  if (explicitly('enable_login_token', jwt.enableLoginToken)) {
    notices.push('[auth.jwt] enable_login_token: not applicable, livehub issues no login cookie; send the JWT with each request or connection');
  }
  if (jwt.signoutRedirectUrl !== '') notices.push('[auth.jwt] signout_redirect_url: not applicable, livehub has no sign-out page');
  if (jwt.groupsAttributePath !== '') notices.push('[auth.jwt] groups_attribute_path: not applicable, livehub has no teams');
  if (jwt.orgAttributePath !== '' && jwt.orgMapping.length === 0) notices.push('[auth.jwt] org_attribute_path has no effect without org_mapping');
  notices.push(describeJwt(jwt));
  return { warnings, notices };
}

/** One line saying where keys, login, role and org come from. */
function describeJwt(jwt: JwtAuthConfig): string {
  const keys = [
    jwt.keyFile !== '' ? `key_file ${jwt.keyFile}${jwt.keyId !== '' ? ` (kid ${jwt.keyId})` : ''}` : '',
    jwt.keyValue !== '' ? 'key_value' : '',
    jwt.jwkSetFile !== '' ? `jwk_set_file ${jwt.jwkSetFile}` : '',
    jwt.jwkSetValue !== '' ? 'jwk_set_value' : '',
    jwt.jwkSetUrl !== '' ? `jwk_set_url ${jwt.jwkSetUrl} (cache_ttl ${jwt.cacheTtlMs / 1000}s)` : '',
    jwt.hmacSecret !== '' ? 'hmac_secret (HS256)' : '',
  ].filter((s) => s !== '');
  const username = jwt.usernameClaim || jwt.loginClaim;
  const login = username !== '' ? `claim ${username}`
    : jwt.usernameAttributePath !== '' ? `username_attribute_path ${jwt.usernameAttributePath}`
      : jwt.emailClaim !== '' || jwt.emailAttributePath !== '' ? 'the e-mail' : 'claim sub';
  const role = jwt.skipOrgRoleSync ? 'Viewer (skip_org_role_sync)'
    : `${jwt.roleAttributePath !== '' ? `role_attribute_path ${jwt.roleAttributePath}` : `claim ${jwt.roleClaim}`}` +
      `${jwt.orgMapping.length > 0 ? ' and org_mapping' : ''}${jwt.roleAttributeStrict ? ' (strict)' : ', else Viewer'}`;
  const org = jwt.skipOrgRoleSync ? `${jwt.defaultOrgId}` : `claim ${jwt.orgIdClaim}, else ${jwt.defaultOrgId}${jwt.orgMapping.length > 0 ? ' (within org_mapping)' : ''}`;
  return `JWT authentication: keys from ${keys.join(', ')}; login from ${login}; role from ${role}; org from ${org}`;
}
