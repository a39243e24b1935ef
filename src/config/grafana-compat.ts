// Grafana configuration names livehub recognises but does not use. Environments built for Grafana
// (its Docker image sets GF_PATHS_HOME, GF_PATHS_LOGS, …) must not stop livehub, while a typo such as
// GF_LIVE_MAX_CONECTIONS still must: known Grafana keys warn, anything else in a livehub section fails.

/** Grafana keys inside sections livehub owns that are accepted and ignored with a warning. */
export const IGNORED_GRAFANA_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': ['app_mode', 'instance_name'],
  server: [
    'protocol', 'min_tls_version', 'domain', 'enforce_domain', 'serve_from_sub_path', 'router_logging',
    'static_root_path', 'enable_gzip', 'cert_file', 'cert_key', 'cert_pass', 'socket', 'socket_gid',
    'socket_mode', 'cdn_url', 'write_timeout',
  ],
  'auth.anonymous': ['org_name', 'hide_version', 'device_limit'],
  // Every other [auth.jwt] key of Grafana is in the schema. This one is a misspelling in Grafana's
  // older sample.ini that Grafana itself never read.
  'auth.jwt': ['expected_claims'],
  paths: ['home', 'config', 'logs', 'plugins', 'provisioning', 'temp_data_lifetime'],
  // livehub reads only the csrf_* keys of [security]; a grafana.ini's other [security] keys are fine.
  security: [
    'disable_initial_admin_creation', 'admin_user', 'admin_password', 'admin_email', 'secret_key',
    'encryption_provider', 'available_encryption_providers', 'disable_gravatar', 'data_source_proxy_whitelist',
    'disable_brute_force_login_protection', 'brute_force_login_protection_max_attempts', 'cookie_secure',
    'cookie_samesite', 'allow_embedding', 'strict_transport_security', 'strict_transport_security_max_age_seconds',
    'strict_transport_security_preload', 'strict_transport_security_subdomains', 'x_content_type_options',
    'x_xss_protection', 'content_security_policy', 'content_security_policy_template',
    'content_security_policy_report_only', 'content_security_policy_report_only_template', 'angular_support_enabled',
    'disable_frontend_sandbox_for_plugins', 'enable_frontend_sandbox_for_plugins', 'actions_allow_post_url',
  ],
  log: ['mode', 'filters', 'user_facing_default_error'],
  database: [
    'url', 'max_open_conn', 'max_idle_conn', 'conn_max_lifetime', 'log_queries', 'cache_mode', 'wal',
    'ca_cert_path', 'client_key_path', 'client_cert_path', 'server_cert_name', 'isolation_level',
    'locking_attempt_timeout_sec', 'query_retries', 'transaction_retries', 'instrument_queries',
    'high_availability', 'migration_locking', 'skip_migrations', 'ensure_default_org_and_user',
  ],
};

/**
 * Grafana sections livehub does not have. They matter only for matching env vars: without them
 * GF_LOG_CONSOLE_LEVEL would match `[log]` with key `console_level` and fail as a typo; with them it
 * matches `[log.console]`, an unknown section, and is ignored with a warning.
 */
export const FOREIGN_GRAFANA_SECTIONS: readonly string[] = [
  'auth', 'auth.basic', 'auth.proxy', 'auth.ldap', 'auth.generic_oauth', 'auth.github', 'auth.gitlab',
  'auth.google', 'auth.azuread', 'auth.okta', 'auth.grafana_com', 'auth.grafananet',
  'log.console', 'log.file', 'log.syslog', 'log.frontend',
];

/** Why a particular ignored key does nothing, when "not used by livehub" would mislead. */
const IGNORED_KEY_NOTES: Readonly<Record<string, string>> = {
  'auth.jwt.expected_claims': 'misspelt in Grafana\'s older sample.ini and ignored by Grafana too; the key is expect_claims',
};

export function ignoredKeyNote(section: string, key: string): string {
  return IGNORED_KEY_NOTES[`${section}.${key}`] ?? 'Grafana setting not used by livehub';
}

export function isIgnoredGrafanaKey(section: string, key: string): boolean {
  return IGNORED_GRAFANA_KEYS[section]?.includes(key) ?? false;
}
