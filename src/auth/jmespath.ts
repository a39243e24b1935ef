// JMESPath over verified JWT claims, as Grafana's `[auth.jwt] *_attribute_path` keys use it
// (@jmespath-community/jmespath: maintained, typed, a superset of the JMESPath spec Grafana's Go
// library implements, so every Grafana expression evaluates the same). Expressions are compiled once
// at start-up; evaluating one never throws.

import { compile, TreeInterpreter, type JSONValue } from '@jmespath-community/jmespath';

export type ClaimPath = ReturnType<typeof compile>;

/** Compiles an expression; throws an Error whose message says what is wrong with it. */
export function compileClaimPath(expression: string): ClaimPath {
  return compile(expression);
}

/** The expression's value over the claims; a runtime error (a function given the wrong type) is "no value". */
function evaluate(path: ClaimPath, claims: Record<string, unknown>): unknown {
  try {
    return TreeInterpreter.search(path, claims as JSONValue);
  } catch {
    return undefined;
  }
}

/** Grafana's SearchJSONForStringAttr: a string result, else "" (no value). */
export function searchString(path: ClaimPath, claims: Record<string, unknown>): string {
  const value = evaluate(path, claims);
  return typeof value === 'string' ? value : '';
}

/** Grafana's SearchJSONForStringSliceAttr: the string members of an array result, else none. */
export function searchStrings(path: ClaimPath, claims: Record<string, unknown>): string[] {
  const value = evaluate(path, claims);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
