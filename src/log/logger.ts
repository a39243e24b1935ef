// Structured JSON logs, one object per line on stdout. The `msg` texts keep Grafana's operator log
// lines verbatim (grafana-live.md §11) so existing greps and alerts keep working.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(name: string): Logger;
}

export type LogSink = (line: string) => void;

function errorText(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stdout.write(line + '\n'), name = 'live'): Logger {
  const min = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    const record: LogFields = { t: new Date().toISOString(), level: lvl, logger: name, msg };
    if (fields !== undefined) for (const [k, v] of Object.entries(fields)) record[k] = errorText(v);
    sink(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (child) => createLogger(level, sink, `${name}.${child}`),
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
