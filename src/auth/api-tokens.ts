// Service-account style API tokens: each carries an org and a role, is shown once at creation and
// is stored only as a SHA-256 hash. The store follows its file: edits by `livehub token …` or by
// config management are picked up by a cheap, throttled mtime check on lookup and, once `watch()`
// runs, by a periodic check that reports deleted and changed tokens so open sessions can be closed.

import { statSync, type Stats } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { OrgRole } from '../roles/org-role.js';
import type { CredentialChange, Identity } from './identity.js';
import { apiTokenDigest, credentialIdOf, generateApiToken, hashApiToken, TOKEN_NAME } from './api-token-format.js';
import { ApiTokenFileError, readApiTokenFile, writeApiTokenFile, type ApiTokenRecord } from './api-token-file.js';
import { derivedUserId } from './stable-id.js';

export { API_TOKEN_PREFIX, generateApiToken, hashApiToken, isApiTokenText } from './api-token-format.js';
export { ApiTokenFileError } from './api-token-file.js';

export interface ApiTokenInfo {
  readonly name: string;
  readonly orgId: number;
  readonly role: OrgRole;
  readonly createdAt?: string;
  readonly provisioned: boolean;
}

export interface ApiTokenStoreOptions {
  /** Minimum time between two checks of the file's mtime during lookups (default 1000 ms; 0 = every lookup). */
  reloadCheckIntervalMs?: number;
  /** Told when a changed file cannot be used; the previous tokens stay active meanwhile. */
  onWarning?: (message: string) => void;
  /** Clock in epoch ms, for tests. */
  now?: () => number;
}

/** How often a watching store checks its file (the bound on how late a deletion is noticed). */
export const TOKEN_FILE_WATCH_INTERVAL_MS = 500;

export interface CreateApiTokenInput {
  name: string;
  orgId: number;
  role: OrgRole;
}

/** Longer input is not a token we could have issued; refusing it early avoids hashing megabytes. */
const MAX_TOKEN_LENGTH = 512;

function fileSignature(stats: Stats | undefined): string {
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : 'missing';
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** The identity an API token stands for: a service account `sa-<name>` with a stable decimal id. */
export function apiTokenIdentity(record: Pick<ApiTokenRecord, 'name' | 'orgId' | 'role' | 'digest'>): Identity {
  return {
    userId: derivedUserId('api_token', record.name),
    login: `sa-${record.name}`,
    name: record.name,
    orgId: record.orgId,
    role: record.role,
    authMethod: 'api_token',
    credentialId: credentialIdOf(record.digest),
  };
}

/** Tokens that disappeared and tokens whose name, org or role changed, between two file versions. */
export function diffApiTokens(before: readonly ApiTokenRecord[], after: readonly ApiTokenRecord[]): CredentialChange {
  const now = new Map(after.map((r) => [r.digest.toString('hex'), r]));
  const revoked: string[] = [];
  const changed: string[] = [];
  for (const old of before) {
    const current = now.get(old.digest.toString('hex'));
    if (current === undefined) revoked.push(credentialIdOf(old.digest));
    else if (current.name !== old.name || current.orgId !== old.orgId || current.role !== old.role) changed.push(credentialIdOf(old.digest));
  }
  return { revoked, changed };
}

export class ApiTokenStore {
  private records: ApiTokenRecord[] = [];
  /** One identity per record, shared by every session using the token (per-connection memory). */
  private identities: Identity[] = [];
  private signature = '';
  private lastCheck = Number.NEGATIVE_INFINITY;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly onWarning: (message: string) => void;
  private readonly listeners: Array<(change: CredentialChange) => void> = [];
  private watcher: NodeJS.Timeout | undefined;

  /** Reads the file now; an unreadable or invalid file throws ApiTokenFileError (fail at startup). */
  constructor(readonly file: string, options: ApiTokenStoreOptions = {}) {
    this.interval = options.reloadCheckIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.onWarning = options.onWarning ?? (() => undefined);
    const stats = statOrUndefined(file);
    this.setRecords(readApiTokenFile(file).records);
    this.signature = fileSignature(stats);
    this.lastCheck = this.now();
  }

  /** Told about every deleted or changed token, however the change was noticed. */
  onChange(listener: (change: CredentialChange) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Checks the file every `intervalMs` even when nobody presents a token, so a deletion ends open
   * sessions within that time (a stat per interval; one timer per store, not per session).
   */
  watch(intervalMs = TOKEN_FILE_WATCH_INTERVAL_MS): void {
    if (this.watcher !== undefined) return;
    this.watcher = setInterval(() => this.checkNow(), intervalMs);
    this.watcher.unref();
  }

  stopWatching(): void {
    if (this.watcher !== undefined) clearInterval(this.watcher);
    this.watcher = undefined;
  }

  /** Looks at the file now (e.g. because another node reported a revocation). */
  checkNow(): void {
    this.refreshIfChanged(true);
  }

  /** The identity for a presented token, or undefined. Never throws. */
  lookup(token: string): Identity | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    this.refreshIfChanged();
    const digest = apiTokenDigest(token);
    let found: Identity | undefined;
    // Compare against every entry without stopping early, so timing does not reveal which entry matched.
    for (let i = 0; i < this.records.length; i++) {
      if (timingSafeEqual(this.records[i]!.digest, digest)) found = this.identities[i];
    }
    return found;
  }

  list(): ApiTokenInfo[] {
    this.refreshIfChanged(true);
    return this.records.map(({ name, orgId, role, createdAt, provisioned }) => ({
      name,
      orgId,
      role,
      ...(createdAt !== undefined ? { createdAt } : {}),
      provisioned,
    }));
  }

  /** Creates a token, stores its hash and returns the plain token (the only time it exists). */
  create(input: CreateApiTokenInput): { token: string; info: ApiTokenInfo } {
    if (!TOKEN_NAME.test(input.name)) throw new ApiTokenFileError(`invalid token name "${input.name}": use 1-64 letters, digits, ".", "_" or "-"`);
    if (!Number.isSafeInteger(input.orgId) || input.orgId < 1) throw new ApiTokenFileError('org id must be a positive integer');
    // Re-read the file right before writing: another process may have changed it since our last look.
    const current = readApiTokenFile(this.file);
    if (current.records.some((r) => r.name === input.name)) throw new ApiTokenFileError(`a token named "${input.name}" already exists`);
    const token = generateApiToken();
    const createdAt = new Date(this.now()).toISOString();
    const entry = { name: input.name, orgId: input.orgId, role: input.role, hash: hashApiToken(token), createdAt };
    this.write([...current.rawEntries, entry]);
    return { token, info: { name: input.name, orgId: input.orgId, role: input.role, createdAt, provisioned: false } };
  }

  /** Deletes the named token; false when there is none. */
  delete(name: string): boolean {
    const current = readApiTokenFile(this.file);
    const index = current.records.findIndex((r) => r.name === name);
    if (index < 0) return false;
    this.write(current.rawEntries.filter((_, i) => i !== index));
    return true;
  }

  private write(entries: Record<string, unknown>[]): void {
    writeApiTokenFile(this.file, entries);
    this.refreshIfChanged(true);
  }

  /**
   * Re-reads the file when its inode, size or mtime changed. A broken edit keeps the previous
   * tokens (an outage for every pusher is worse) and warns; a deleted file removes all tokens.
   */
  private refreshIfChanged(force = false): void {
    const now = this.now();
    if (!force && now - this.lastCheck < this.interval) return;
    this.lastCheck = now;
    const signature = fileSignature(statOrUndefined(this.file));
    if (signature === this.signature) return;
    let records: ApiTokenRecord[];
    try {
      records = readApiTokenFile(this.file).records;
    } catch (err) {
      this.signature = signature; // warn once per broken version, not on every lookup
      this.onWarning(`API token file not reloaded, keeping the previous tokens: ${(err as Error).message}`);
      return;
    }
    this.signature = signature;
    const change = diffApiTokens(this.records, records);
    this.setRecords(records);
    if (change.revoked.length === 0 && change.changed.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.onWarning(`API token change listener failed: ${(err as Error).message}`);
      }
    }
  }

  private setRecords(records: ApiTokenRecord[]): void {
    this.records = records;
    this.identities = records.map(apiTokenIdentity);
  }
}
