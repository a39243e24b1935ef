// A drift-free ticker for stream runs: ticks are scheduled on absolute times (start + n × interval)
// so rates hold over minutes; a tick that is late by more than a period is skipped (as Go's
// time.Ticker drops ticks for a slow receiver). Resolves when the signal aborts.

export function runTicker(intervalMs: number, signal: AbortSignal, onTick: (nowMs: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return resolve();
    let next = Date.now() + intervalMs;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: unknown): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = (): void => finish();
    const fire = (): void => {
      const now = Date.now();
      try {
        onTick(now);
      } catch (err) {
        return finish(err);
      }
      next += intervalMs;
      if (next <= now) next = now + intervalMs;
      timer = setTimeout(fire, next - now);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(fire, intervalMs);
  });
}
