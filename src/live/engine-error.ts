// How an engine failure looks to a client: a temporary error it retries when the engine is
// unavailable (e.g. Redis unreachable), an internal error otherwise.

import { EngineUnavailableError } from '../engine/engine.js';
import { Errors, temporaryError, type ProtocolError } from '../protocol/codes.js';

/** Maps an engine failure to the protocol error a client sees (temporary: it retries). */
export function engineError(err: unknown): ProtocolError {
  if (err instanceof EngineUnavailableError) return temporaryError(err.message);
  return Errors.internal;
}
