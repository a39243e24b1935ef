// Maps Redis client failures to the engine port's errors. Anything that says "Redis cannot serve
// this right now" (no connection, timeout, failover in progress) becomes EngineUnavailableError,
// which the node turns into 503 / temporary protocol error 100; a real reply error stays an Error.

import { EngineUnavailableError, UnrecoverablePositionError } from '../engine.js';

// Reply errors that mean "try again later" rather than "this command is wrong".
const TRANSIENT_REPLY = /^(READONLY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|BUSY|NOREPLICAS|MISCONF|NOAUTH|WRONGPASS)\b/;

/** Text clients may see: no addresses or internals (those go to the log via `cause`). */
export const UNAVAILABLE_MESSAGE = 'live HA engine (Redis) temporarily unavailable';

export function unavailable(cause?: unknown): EngineUnavailableError {
  return cause === undefined ? new EngineUnavailableError(UNAVAILABLE_MESSAGE) : new EngineUnavailableError(UNAVAILABLE_MESSAGE, { cause });
}

export function toEngineError(err: unknown, operation: string): Error {
  if (err instanceof EngineUnavailableError || err instanceof UnrecoverablePositionError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
    return new Error(`redis ${operation}: ${err.message}`, { cause: err });
  }
  return unavailable(err);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
