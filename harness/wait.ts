// Waiting for events, not for time: poll a condition until it holds or a deadline passes (the error
// names what was awaited and the check's last error), bound a promise in time, or sleep.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Thrown by a waitUntil check to stop waiting at once (e.g. the awaited process has exited). */
export class GiveUp extends Error {}

/**
 * Polls `check` every `stepMs` until it returns true, or throws after `timeoutMs` naming `what`. A
 * check that throws counts as "not yet" (a server not listening yet), except with GiveUp. For events,
 * never for timing assertions.
 */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`}`);
    }
    await sleep(stepMs);
  }
}

/** Resolves with the promise's value, or rejects after `timeoutMs` naming `what`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
