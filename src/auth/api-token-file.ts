// Reads and validates the API token file (`[auth.api_tokens] file`): entries with a `hash`
// (written by `livehub token create`) or a plain `token` (provisioned by config management,
// hashed in memory at load). Writing keeps entries as they were and replaces the file atomically.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/errors.js';
import { parseOrgRole, type OrgRole } from '../roles/org-role.js';
import { apiTokenDigest, PROVISIONED_TOKEN, TOKEN_HASH, TOKEN_NAME } from './api-token-format.js';

/** One usable token: what lookups need, and how it came to be. */
export interface ApiTokenRecord {
  readonly name: string;
  readonly orgId: number;
  readonly role: OrgRole;
  readonly createdAt?: string;
  /** True when the file holds the plain token (provisioned), false when only its hash. */
  readonly provisioned: boolean;
  /** SHA-256 of the token text. */
  readonly digest: Buffer;
}

/** The file as read: validated records plus the raw entries, so rewriting preserves what we do not model. */
export interface ApiTokenFileContent {
  readonly records: ApiTokenRecord[];
  readonly rawEntries: Record<string, unknown>[];
}

/** A ConfigError, so the CLI reports a broken token file like any other startup configuration problem. */
export class ApiTokenFileError extends ConfigError {
  constructor(message: string) {
    super(message, { section: 'auth.api_tokens', key: 'file' });
    this.name = 'ApiTokenFileError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the file text; throws ApiTokenFileError naming the file and the entry at fault. */
export function parseApiTokenFile(text: string, file: string): ApiTokenFileContent {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? { tokens: [] } : JSON.parse(text);
  } catch (err) {
    throw new ApiTokenFileError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  // Both `{"tokens": [...]}` (what livehub writes) and a bare array (handy when provisioning) are read.
  const entries: unknown = Array.isArray(doc) ? doc : isRecord(doc) ? doc.tokens : undefined;
  if (!Array.isArray(entries)) throw new ApiTokenFileError(`${file}: expected {"tokens": [...]}`);

  const records: ApiTokenRecord[] = [];
  const rawEntries: Record<string, unknown>[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  entries.forEach((entry: unknown, index: number) => {
    const where = `${file}: tokens[${index}]`;
    if (!isRecord(entry)) throw new ApiTokenFileError(`${where}: not an object`);
    const record = parseEntry(entry, where);
    if (names.has(record.name)) throw new ApiTokenFileError(`${where}: duplicate name "${record.name}"`);
    const hex = record.digest.toString('hex');
    if (digests.has(hex)) throw new ApiTokenFileError(`${where}: same token as an earlier entry`);
    names.add(record.name);
    digests.add(hex);
    records.push(record);
    rawEntries.push(entry);
  });
  return { records, rawEntries };
}

function parseEntry(entry: Record<string, unknown>, where: string): ApiTokenRecord {
  const { name, orgId, role, hash, token, createdAt } = entry;
  if (typeof name !== 'string' || !TOKEN_NAME.test(name)) {
    throw new ApiTokenFileError(`${where}: "name" must be 1-64 letters, digits, ".", "_" or "-"`);
  }
  const at = `${where} ("${name}")`;
  if (typeof orgId !== 'number' || !Number.isSafeInteger(orgId) || orgId < 1) throw new ApiTokenFileError(`${at}: "orgId" must be a positive integer`);
  const parsedRole = typeof role === 'string' ? parseOrgRole(role) : undefined;
  if (!parsedRole) throw new ApiTokenFileError(`${at}: "role" must be Viewer, Editor or Admin`);
  if (createdAt !== undefined && typeof createdAt !== 'string') throw new ApiTokenFileError(`${at}: "createdAt" must be a string`);
  if ((hash === undefined) === (token === undefined)) throw new ApiTokenFileError(`${at}: needs exactly one of "hash" or "token"`);

  let digest: Buffer;
  if (token !== undefined) {
    if (typeof token !== 'string' || !PROVISIONED_TOKEN.test(token)) {
      throw new ApiTokenFileError(`${at}: "token" must be "glh_" followed by 16-256 letters, digits, "_" or "-"`);
    }
    digest = apiTokenDigest(token);
  } else {
    const normalized = typeof hash === 'string' ? hash.toLowerCase() : '';
    if (!TOKEN_HASH.test(normalized)) throw new ApiTokenFileError(`${at}: "hash" must be "sha256:" and 64 hex digits`);
    digest = Buffer.from(normalized.slice('sha256:'.length), 'hex');
  }
  return {
    name,
    orgId,
    role: parsedRole,
    ...(createdAt !== undefined ? { createdAt } : {}),
    provisioned: token !== undefined,
    digest,
  };
}

/** Reads the file; a missing file is an empty set (nothing created yet). */
export function readApiTokenFile(file: string): ApiTokenFileContent {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], rawEntries: [] };
    throw new ApiTokenFileError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseApiTokenFile(text, file);
}

/** Writes entries atomically (temp file + rename) with owner-only permissions. */
export function writeApiTokenFile(file: string, rawEntries: readonly Record<string, unknown>[]): void {
  // The data directory, when this creates it: private like everything livehub keeps there.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ tokens: rawEntries }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
