// Reads Grafana data-source provisioning files (`apiVersion: 1`, `datasources: [{name, type, uid,
// orgId, url, jsonData, secureJsonData}]`) in YAML (every document of the file, yaml.ts) or JSON,
// with Grafana's `$VAR` / `${VAR}` environment expansion in string values. Directories contribute
// *.yaml/*.yml/*.json. Validation errors name the file, the entry and, for YAML, its line.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseYamlDocuments, type YamlDocument, type YamlValue } from './yaml.js';

export interface ProvisionedDataSource {
  readonly name: string;
  readonly type: string;
  readonly uid: string;
  readonly orgId: number;
  readonly url: string;
  readonly jsonData: Readonly<Record<string, unknown>>;
  readonly secureJsonData: Readonly<Record<string, string>>;
  /** Where it was defined, for messages. */
  readonly source: string;
}

export interface ProvisioningResult {
  readonly dataSources: ProvisionedDataSource[];
  /** Entries that were skipped, with the reason (logged as warnings). */
  readonly warnings: string[];
}

export class ProvisioningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProvisioningError';
  }
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Grafana's provisioning expansion: `$VAR` and `${VAR}` from the environment, `$$` is a literal `$`. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced?: string, bare?: string) => {
    if (m === '$$') return '$';
    return env[braced ?? bare ?? ''] ?? '';
  });
}

function expandAll(value: YamlValue | unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return expandEnv(value, env);
  if (Array.isArray(value)) return value.map((v) => expandAll(v, env));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandAll(v, env)]));
  return value;
}

/** The files a configured path stands for: the file itself, or a directory's provisioning files (sorted). */
export function provisioningFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    throw new ProvisioningError(`data-source provisioning path ${path} is not readable: ${(err as Error).message}`, { cause: err });
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => EXTENSIONS.has(extname(name).toLowerCase()))
    .sort()
    .map((name) => join(path, name));
}

/** Where a value sits in its file: the line of a path, when the format keeps positions (YAML). */
type LineOf = (path: readonly (string | number)[]) => number | undefined;

function parseFile(file: string): { doc: unknown; lineOf: LineOf }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProvisioningError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (extname(file).toLowerCase() === '.json') return [{ doc: JSON.parse(text) as unknown, lineOf: () => undefined }];
    return parseYamlDocuments(text).map((d: YamlDocument) => ({ doc: d.value, lineOf: (path) => d.lineOf(path) }));
  } catch (err) {
    throw new ProvisioningError(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

function at(file: string, lineOf: LineOf, path: readonly (string | number)[]): string {
  const line = lineOf(path);
  return line === undefined ? file : `${file} line ${line}`;
}

function stringField(entry: Record<string, unknown>, key: string): string {
  const v = entry[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function readEntry(entry: unknown, where: string, warnings: string[]): ProvisionedDataSource | undefined {
  if (!isRecord(entry)) {
    warnings.push(`${where}: not a mapping, skipped`);
    return undefined;
  }
  const name = stringField(entry, 'name');
  const type = stringField(entry, 'type');
  const uid = stringField(entry, 'uid');
  if (name === '' || type === '') throw new ProvisioningError(`${where}: a data source needs "name" and "type"`);
  if (uid === '') {
    // Grafana would invent a random uid; a ds/<uid>/… channel needs a stable one.
    warnings.push(`${where}: data source ${JSON.stringify(name)} has no "uid" and cannot be used for ds/<uid>/… channels; skipped`);
    return undefined;
  }
  const orgId = entry['orgId'] ?? 1;
  if (typeof orgId !== 'number' || !Number.isSafeInteger(orgId) || orgId < 1) throw new ProvisioningError(`${where}: "orgId" must be a positive integer`);
  const jsonData = entry['jsonData'] ?? {};
  if (!isRecord(jsonData)) throw new ProvisioningError(`${where}: "jsonData" must be a mapping`);
  const secure = entry['secureJsonData'] ?? {};
  if (!isRecord(secure)) throw new ProvisioningError(`${where}: "secureJsonData" must be a mapping`);
  const secureJsonData = Object.fromEntries(Object.entries(secure).map(([k, v]) => [k, v === null ? '' : String(v)]));
  return { name, type, uid, orgId, url: stringField(entry, 'url'), jsonData, secureJsonData, source: where };
}

/** Parses one provisioning document (already read from `file`); `lineOf` places messages on a line. */
export function readProvisioningDocument(doc: unknown, file: string, env: NodeJS.ProcessEnv = process.env, lineOf: LineOf = () => undefined): ProvisioningResult {
  const warnings: string[] = [];
  if (doc === null) return { dataSources: [], warnings };
  if (!isRecord(doc)) throw new ProvisioningError(`${at(file, lineOf, [])}: expected a mapping with "apiVersion" and "datasources"`);
  const version = doc['apiVersion'];
  if (version !== undefined && version !== 1 && version !== '1') {
    throw new ProvisioningError(`${at(file, lineOf, ['apiVersion'])}: unsupported apiVersion ${JSON.stringify(version)} (expected 1)`);
  }
  const list = doc['datasources'] ?? [];
  if (!Array.isArray(list)) throw new ProvisioningError(`${at(file, lineOf, ['datasources'])}: "datasources" must be a list`);
  const expanded = expandAll(list, env) as unknown[];
  const dataSources: ProvisionedDataSource[] = [];
  expanded.forEach((entry, i) => {
    const line = lineOf(['datasources', i]);
    const ds = readEntry(entry, `${file} datasources[${i}]${line === undefined ? '' : ` (line ${line})`}`, warnings);
    if (ds !== undefined) dataSources.push(ds);
  });
  return { dataSources, warnings };
}

/** Reads every configured path; throws ProvisioningError on unreadable or malformed files. */
export function readProvisioning(paths: readonly string[], env: NodeJS.ProcessEnv = process.env): ProvisioningResult {
  const dataSources: ProvisionedDataSource[] = [];
  const warnings: string[] = [];
  for (const path of paths) {
    for (const file of provisioningFiles(path)) {
      for (const { doc, lineOf } of parseFile(file)) {
        const result = readProvisioningDocument(doc, file, env, lineOf);
        dataSources.push(...result.dataSources);
        warnings.push(...result.warnings);
      }
    }
  }
  return { dataSources, warnings };
}
