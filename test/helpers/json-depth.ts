// Nesting depth of a parsed JSON value (0 for scalars, 1 for [] or {}), computed independently of
// src/protocol/json-text.ts so tests can check its text scan against it.

export function nesting(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, child) => Math.max(max, nesting(child)), 0);
}
