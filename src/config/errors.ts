// Errors raised while loading configuration. One class so the CLI can print the message and exit
// without a stack trace; the fields let tests and tooling see which key and which source failed.

/** Where a configuration value came from; used in every error so operators find the culprit. */
export type ValueOrigin =
  | { kind: 'default' }
  | { kind: 'file'; file: string; line: number }
  | { kind: 'env'; name: string };

export function describeOrigin(origin: ValueOrigin): string {
  switch (origin.kind) {
    case 'default':
      return 'default value';
    case 'file':
      return `at ${origin.file}:${origin.line}`;
    case 'env':
      return `from ${origin.name}`;
  }
}

export interface ConfigErrorDetails {
  section?: string;
  key?: string;
  origin?: ValueOrigin;
  /** The offending raw value (omitted for secrets). */
  value?: string;
}

export class ConfigError extends Error {
  readonly section?: string;
  readonly key?: string;
  readonly origin?: ValueOrigin;
  readonly value?: string;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    super(message);
    this.name = 'ConfigError';
    this.section = details.section;
    this.key = details.key;
    this.origin = details.origin;
    this.value = details.value;
  }
}

/**
 * Thrown by value parsers in the schema. It carries only the reason; the loader adds the section,
 * key, origin and value so every parser does not have to. `verbatim` messages (Grafana's own wording,
 * e.g. "unsupported live HA engine type: x") are kept as the head of the final message.
 */
export class ValueProblem extends Error {
  readonly verbatim: boolean;

  constructor(message: string, verbatim = false) {
    super(message);
    this.name = 'ValueProblem';
    this.verbatim = verbatim;
  }
}
