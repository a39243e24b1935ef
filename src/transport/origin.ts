// Grafana's WebSocket origin check (grafana-live.md §3.2): no Origin, "*", same host as the request,
// the configured root_url, or an allowed_origins glob. Pure: the caller logs and answers 403.
// Strict mode ([live] strict_origin) closes Grafana's gap: an upgrade without Origin passes only
// when it carries an explicit credential (Authorization header or auth_token), which a cross-site
// page cannot attach — browsers always send Origin, so only proxies that strip it are affected.

import { compileGlob } from '../config/glob.js';
import type { Logger } from '../log/logger.js';

export interface OriginPolicy {
  readonly rootUrl: string;
  readonly allowedOrigins: readonly string[];
  /**
   * livehub ([live] strict_origin): an upgrade without an Origin header is rejected unless the
   * caller says it carried an explicit credential.
   */
  readonly requireOrigin?: boolean;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

function portOf(url: URL): string {
  return url.port !== '' ? url.port : (DEFAULT_PORTS[url.protocol] ?? '');
}

export class OriginChecker {
  private readonly any: boolean;
  private readonly globs: RegExp[];
  private readonly root: URL | undefined;

  constructor(readonly policy: OriginPolicy) {
    this.any = policy.allowedOrigins.some((o) => o === '*');
    this.globs = policy.allowedOrigins.filter((o) => o !== '*').map(compileGlob);
    try {
      this.root = new URL(policy.rootUrl);
    } catch {
      this.root = undefined;
    }
  }

  /**
   * `explicitCredential`: the request was authenticated by an Authorization header or auth_token
   * (not anonymously); only consulted in strict mode for requests without Origin.
   */
  allowed(origin: string | undefined, host: string | undefined, explicitCredential = false): boolean {
    if (origin === undefined || origin === '') return this.policy.requireOrigin !== true || explicitCredential;
    if (this.any) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin.toLowerCase());
    } catch {
      return false;
    }
    if (host !== undefined && parsed.host === host.toLowerCase()) return true;
    if (this.root !== undefined && parsed.protocol === this.root.protocol && parsed.hostname === this.root.hostname) {
      // Grafana: an origin without a port matches the root URL's host whatever its port. URL
      // parsing drops default ports, so "https://h:443" and "https://h" compare equal (#36822).
      if (parsed.port === '' || portOf(parsed) === portOf(this.root)) return true;
    }
    return this.globs.some((glob) => glob.test(origin));
  }
}

/**
 * Grafana's log line for a rejected upgrade. Any page can repeat the upgrade at will (and send an
 * 8 KB Origin each time), so it is written once per `[log] repeat_interval` with a count, and its
 * values are cut by the logger.
 */
export function logRejectedOrigin(log: Logger, policy: OriginPolicy, origin: string | undefined, host: string | undefined): void {
  log.limited('warn', 'origin-rejected', 'Request Origin is not authorized', {
    origin: origin ?? '',
    host: host ?? '',
    appUrl: policy.rootUrl,
    allowedOrigins: policy.allowedOrigins.join(','),
  });
}
