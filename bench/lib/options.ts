// A scenario's own command-line options (`npm run bench -- <scenario> --name value`): values checked
// here, so a bad one ends the run with a usage message instead of a stack trace.

/** A scenario option that is missing a value or has a wrong one. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

/** `--name` as a whole number from 1 to `max`, or `fallback` when absent. */
export function wholeNumberOption(options: Record<string, string>, name: string, fallback: number, max: number): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new OptionError(`--${name} must be a whole number from 1 to ${max}, got ${raw}`);
  return n;
}

/** `--name` as one of `choices` (the first is the default). */
export function choiceOption<T extends string>(options: Record<string, string>, name: string, choices: readonly [T, ...T[]]): T {
  const raw = options[name] ?? choices[0];
  if (!(choices as readonly string[]).includes(raw)) throw new OptionError(`--${name} must be ${choices.join(' or ')}, got ${raw}`);
  return raw as T;
}
