// The one error type the parser throws. The HTTP push endpoint turns it into
// `400 {"message": err.message}`, so the message names line and column for the sender.

export class LineProtocolError extends Error {
  /** 1-based line of the offending byte (lines inside multi-line string values count). */
  readonly line: number;
  /** 1-based column, counted in bytes of the line, like the reference parser. */
  readonly column: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(line: number, column: number, reason: string) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'LineProtocolError';
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/**
 * Which size bound a push exceeded: its lines (frame rows), its values (tag and field pairs while
 * parsing, frame cells after conversion), or the fields of one frame.
 */
export type BatchLimit = 'rows' | 'values' | 'frame_fields';

/**
 * A batch over a configured size bound. Thrown as soon as the bound is passed, before the work
 * (and memory) the rest of the batch would cost; the push endpoint names the limit's config key.
 */
export class BatchLimitError extends Error {
  constructor(
    readonly limit: BatchLimit,
    /** The bound that was passed. */
    readonly max: number,
    message: string,
  ) {
    super(message);
    this.name = 'BatchLimitError';
  }
}
