// A promise-chain mutex. better-sqlite3 runs on one connection, so an async transaction must keep
// every other statement out until it commits; this serialises them in arrival order.

export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` after every earlier holder finished (whether it succeeded or not). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
