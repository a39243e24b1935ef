// `livehub token create|list|delete`: the operator's way to manage API tokens in the token file.
// Returns an exit code instead of exiting so the CLI wrapper and tests can call it directly.

import type { LiveHubConfig } from '../config/types.js';
import { ApiTokenStore } from './api-tokens.js';
import { parseOrgRole } from '../roles/org-role.js';

const USAGE = [
  'Usage:',
  '  livehub token create --name NAME [--org ORG_ID] [--role Viewer|Editor|Admin]',
  '  livehub token list',
  '  livehub token delete --name NAME',
  '',
  'Tokens are stored hashed in [auth.api_tokens] file; the plain token is printed once by "create".',
  'Defaults: --org 1, --role Viewer. Pushing data needs Editor (HTTP) or Admin (WebSocket).',
];

class UsageError extends Error {}

type Options = Map<string, string>;

/** `--key value` and `--key=value`; every option takes a value. */
function parseOptions(args: string[], allowed: readonly string[]): Options {
  const options: Options = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"`);
    const name = match[1]!;
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = match[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    options.set(name, value);
  }
  return options;
}

function required(options: Options, name: string): string {
  const value = options.get(name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export async function runTokenCommand(args: string[], config: LiveHubConfig, out: (line: string) => void): Promise<number> {
  // Accept both `token create …` and `create …`, whichever the CLI wrapper passes on.
  const rest = args[0] === 'token' ? args.slice(1) : args;
  const [command, ...optionArgs] = rest;
  try {
    switch (command) {
      case 'create':
        return create(parseOptions(optionArgs, ['name', 'org', 'role']), config, out);
      case 'list':
        return list(parseOptions(optionArgs, []), config, out);
      case 'delete':
        return remove(parseOptions(optionArgs, ['name']), config, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        USAGE.forEach((line) => out(line));
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown token command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      out(`error: ${err.message}`);
      USAGE.forEach((line) => out(line));
      return 2;
    }
    out(`error: ${(err as Error).message}`);
    return 1;
  }
}

function create(options: Options, config: LiveHubConfig, out: (line: string) => void): number {
  const name = required(options, 'name');
  const orgText = options.get('org') ?? '1';
  if (!/^\d+$/.test(orgText) || Number(orgText) < 1) throw new UsageError(`--org must be a positive integer, got "${orgText}"`);
  const roleText = options.get('role') ?? 'Viewer';
  const role = parseOrgRole(roleText);
  if (!role) throw new UsageError(`--role must be Viewer, Editor or Admin, got "${roleText}"`);

  const store = new ApiTokenStore(config.apiTokens.file);
  const { token } = store.create({ name, orgId: Number(orgText), role });
  out(`Created API token "${name}" (org ${orgText}, role ${role}) in ${config.apiTokens.file}.`);
  out('Copy it now, it is not shown again. Send it as "Authorization: Bearer <token>":');
  out(token);
  return 0;
}

function list(_options: Options, config: LiveHubConfig, out: (line: string) => void): number {
  const tokens = new ApiTokenStore(config.apiTokens.file).list();
  if (tokens.length === 0) {
    out(`No API tokens in ${config.apiTokens.file}.`);
    return 0;
  }
  const rows = [
    ['NAME', 'ORG', 'ROLE', 'CREATED', 'SOURCE'],
    ...tokens.map((t) => [t.name, String(t.orgId), t.role, t.createdAt ?? '-', t.provisioned ? 'provisioned' : 'created']),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const row of rows) out(row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd());
  return 0;
}

function remove(options: Options, config: LiveHubConfig, out: (line: string) => void): number {
  const name = required(options, 'name');
  const deleted = new ApiTokenStore(config.apiTokens.file).delete(name);
  if (!deleted) {
    out(`error: no API token named "${name}" in ${config.apiTokens.file}`);
    return 1;
  }
  out(`Deleted API token "${name}".`);
  return 0;
}
