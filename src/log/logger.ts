// Structured JSON logs, one object per line on stdout. The `msg` texts keep Grafana's operator log
// lines verbatim (grafana-live.md §11) so existing greps and alerts keep working. Lines fed from
// outside stay bounded: string values are cut at `[log] max_value_length`, and a warning clients can
// trigger over and over goes through `limited` (one line per key and `[log] repeat_interval`, then one
// summary line counting the rest).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * For lines a client can cause at will (a rejected upgrade, a request over a limit): the first line
   * of `key` within an interval is written at once; later ones only counted, and when the interval
   * ends one more line with the same `msg`, the fields of the last occurrence, `suppressed` (how many
   * were held back) and `intervalSeconds` is written. Keys are code constants, never client input.
   */
  limited(level: LogLevel, key: string, msg: string, fields?: LogFields): void;
  /** Lines `limited` has held back so far, by this logger and its relatives (a metric). */
  suppressedLines(): number;
  child(name: string): Logger;
}

export type LogSink = (line: string) => void;

export interface LoggerOptions {
  /** Window of `limited` per key, in ms ([log] repeat_interval; default 60 s). */
  readonly repeatIntervalMs?: number;
  /** Longest string value written, in characters ([log] max_value_length; default 512). */
  readonly maxValueLength?: number;
}

export const DEFAULT_LOG_REPEAT_INTERVAL_MS = 60_000;
export const DEFAULT_LOG_MAX_VALUE_LENGTH = 512;
/** Distinct `limited` keys tracked at once; more are counted together (keys are code constants). */
const MAX_REPEAT_KEYS = 1000;

/** A string value cut to `max` characters, saying how much was left out. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(+${text.length - max} chars)`;
}

function boundedValue(value: unknown, max: number): unknown {
  if (value instanceof Error) return truncateText(value.message, max);
  if (typeof value === 'string') return truncateText(value, max);
  if (typeof value === 'object' && value !== null) {
    // Objects and arrays from outside could be just as large: written as cut JSON text when too long.
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      return truncateText(String(value), max);
    }
    return text !== undefined && text.length > max ? truncateText(text, max) : value;
  }
  return value;
}

type Emit = (level: LogLevel, msg: string, fields: LogFields | undefined) => void;

interface RepeatWindow {
  endsAt: number;
  suppressed: number;
  level: LogLevel;
  msg: string;
  fields: LogFields | undefined;
  emit: Emit;
}

/** The `limited` state one logger and all its children share: windows per key, one shared timer. */
class RepeatGate {
  private readonly windows = new Map<string, RepeatWindow>();
  private timer: NodeJS.Timeout | undefined;
  private overflow = 0;
  private overflowEmit: Emit | undefined;
  total = 0;

  constructor(private readonly intervalMs: number) {}

  pass(key: string, level: LogLevel, msg: string, fields: LogFields | undefined, emit: Emit): void {
    const now = Date.now();
    const open = this.windows.get(key);
    if (open !== undefined && now < open.endsAt) {
      open.suppressed++;
      open.fields = fields;
      this.total++;
      return;
    }
    if (open === undefined && this.windows.size >= MAX_REPEAT_KEYS) {
      this.overflow++;
      this.overflowEmit = emit;
      this.total++;
      return;
    }
    if (open !== undefined) this.report(open);
    emit(level, msg, fields);
    this.windows.set(key, { endsAt: now + this.intervalMs, suppressed: 0, level, msg, fields, emit });
    // A quarter interval: summaries come at most 25 % late, and no timer runs while nothing repeats.
    this.timer ??= setInterval(() => this.flush(), Math.max(25, this.intervalMs / 4)).unref();
  }

  private report(window: RepeatWindow): void {
    if (window.suppressed === 0) return;
    window.emit(window.level, window.msg, { ...window.fields, suppressed: window.suppressed, intervalSeconds: this.intervalMs / 1000 });
    window.suppressed = 0;
  }

  /** Ends due windows: one summary line each; a window that held lines back opens again. */
  flush(now = Date.now()): void {
    for (const [key, window] of this.windows) {
      if (now < window.endsAt) continue;
      if (window.suppressed === 0) {
        this.windows.delete(key);
        continue;
      }
      this.report(window);
      window.endsAt = now + this.intervalMs;
    }
    if (this.overflow > 0 && this.overflowEmit !== undefined) {
      this.overflowEmit('warn', 'repeated log lines suppressed', { suppressed: this.overflow, intervalSeconds: this.intervalMs / 1000 });
      this.overflow = 0;
    }
    if (this.windows.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

export function createLogger(
  level: LogLevel,
  sink: LogSink = (line) => process.stdout.write(line + '\n'),
  name = 'live',
  options: LoggerOptions = {},
): Logger {
  return buildLogger(level, sink, name, options.maxValueLength ?? DEFAULT_LOG_MAX_VALUE_LENGTH, new RepeatGate(options.repeatIntervalMs ?? DEFAULT_LOG_REPEAT_INTERVAL_MS));
}

function buildLogger(level: LogLevel, sink: LogSink, name: string, maxValueLength: number, gate: RepeatGate): Logger {
  const min = RANK[level];
  const emit: Emit = (lvl, msg, fields) => {
    if (RANK[lvl] < min) return;
    const record: LogFields = { t: new Date().toISOString(), level: lvl, logger: name, msg };
    if (fields !== undefined) for (const [k, v] of Object.entries(fields)) record[k] = boundedValue(v, maxValueLength);
    sink(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    limited: (lvl, key, msg, fields) => {
      if (RANK[lvl] >= min) gate.pass(`${name}|${key}`, lvl, msg, fields, emit);
    },
    suppressedLines: () => gate.total,
    child: (child) => buildLogger(level, sink, `${name}.${child}`, maxValueLength, gate),
  };
}

/** Logs a given key at most once per interval (e.g. each distinct bad channel once a minute). */
export class RateLimitedLog {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number, private readonly maxKeys = 10_000) {}

  shouldLog(key: string, now = Date.now()): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    if (this.last.size >= this.maxKeys) this.last.clear();
    this.last.set(key, now);
    return true;
  }
}
