// Service-account style API tokens: each carries an org and a role, is shown once at creation and
// is stored only as a SHA-256 hash. The store follows its file: edits by `livehub token …` or by
// config management are picked up by a cheap, throttled mtime check on lookup.

import { statSync, type Stats } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Identity, OrgRole } from './identity.js';
import { apiTokenDigest, generateApiToken, hashApiToken, TOKEN_NAME } from './api-token-format.js';
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
export function apiTokenIdentity(record: Pick<ApiTokenRecord, 'name' | 'orgId' | 'role'>): Identity {
  return {
    userId: derivedUserId('api_token', record.name),
    login: `sa-${record.name}`,
    name: record.name,
    orgId: record.orgId,
    role: record.role,
    authMethod: 'api_token',
  };
}

export class ApiTokenStore {
  private records: ApiTokenRecord[] = [];
  private signature = '';
  private lastCheck = Number.NEGATIVE_INFINITY;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly onWarning: (message: string) => void;

  /** Reads the file now; an unreadable or invalid file throws ApiTokenFileError (fail at startup). */
  constructor(readonly file: string, options: ApiTokenStoreOptions = {}) {
    this.interval = options.reloadCheckIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.onWarning = options.onWarning ?? (() => undefined);
    const stats = statOrUndefined(file);
    this.records = readApiTokenFile(file).records;
    this.signature = fileSignature(stats);
    this.lastCheck = this.now();
  }

  /** The identity for a presented token, or undefined. Never throws. */
  lookup(token: string): Identity | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    this.refreshIfChanged();
    const digest = apiTokenDigest(token);
    let found: ApiTokenRecord | undefined;
    // Compare against every entry without stopping early, so timing does not reveal which entry matched.
    for (const record of this.records) {
      if (timingSafeEqual(record.digest, digest)) found = record;
    }
    return found ? apiTokenIdentity(found) : undefined;
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
    try {
      this.records = readApiTokenFile(this.file).records;
      this.signature = signature;
    } catch (err) {
      this.signature = signature; // warn once per broken version, not on every lookup
      this.onWarning(`API token file not reloaded, keeping the previous tokens: ${(err as Error).message}`);
    }
  }
}
