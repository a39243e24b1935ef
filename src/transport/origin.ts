// Grafana's WebSocket origin check (grafana-live.md §3.2): no Origin, "*", same host as the request,
// the configured root_url, or an allowed_origins glob. Pure: the caller logs and answers 403.

import { compileGlob } from '../config/glob.js';

export interface OriginPolicy {
  readonly rootUrl: string;
  readonly allowedOrigins: readonly string[];
  /** livehub: reject upgrades that carry no Origin header at all (strict mode). */
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

  allowed(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || origin === '') return this.policy.requireOrigin !== true;
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
