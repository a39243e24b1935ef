// Grafana's variable expansion inside configuration values: `$__env{VAR}`, `${VAR}` and
// `$__file{path}` (handy for Docker/Kubernetes secrets). Applied to file and env values alike,
// as Grafana does, before the value is parsed by its schema entry.

import { readFileSync } from 'node:fs';
import { ValueProblem } from './errors.js';

export interface ExpandContext {
  readonly env: NodeJS.ProcessEnv;
  /** Injected for tests; defaults to reading the file as UTF-8. */
  readonly readFile?: (path: string) => string;
}

const PATTERN = /\$__([A-Za-z]+)\{([^}]*)\}|\$\{([^}]*)\}/g;

/** Expands every reference in `value`. Unset variables become "" (Grafana's behaviour). */
export function expandValue(value: string, ctx: ExpandContext): string {
  if (!value.includes('$')) return value;
  return value.replace(PATTERN, (_match, provider: string | undefined, arg: string | undefined, plain: string | undefined) => {
    if (plain !== undefined) return ctx.env[plain.trim()] ?? '';
    const name = (arg ?? '').trim();
    switch (provider) {
      case 'env':
        return ctx.env[name] ?? '';
      case 'file':
        return readSecretFile(name, ctx);
      default:
        throw new ValueProblem(`unsupported variable expansion $__${provider}{…}`);
    }
  });
}

function readSecretFile(path: string, ctx: ExpandContext): string {
  try {
    const content = ctx.readFile ? ctx.readFile(path) : readFileSync(path, 'utf8');
    // Secret files usually end with a newline the operator never meant as part of the value.
    return content.trim();
  } catch (err) {
    throw new ValueProblem(`cannot read $__file{${path}}: ${(err as Error).message}`);
  }
}
