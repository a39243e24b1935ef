// The sessions of this node that clients reach through the emulation endpoint (HTTP-streaming and
// SSE sessions), by their secret session id — a random UUID given only to the client in its connect
// reply (never the client id, which other subscribers see in presence). One entry per open emulation
// session: bounded by max_connections, gone when the session closes.

import { randomUUID } from 'node:crypto';
import type { ClientSession } from '../live/client.js';

/** What became of commands handed to a session. */
export type EmulationDelivery = 'delivered' | 'unknown_session' | 'wrong_codec';

export class EmulationSessions {
  private readonly sessions = new Map<string, ClientSession>();

  /** A fresh secret session id. */
  newId(): string {
    return randomUUID();
  }

  add(id: string, session: ClientSession): void {
    this.sessions.set(id, session);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Hands a client's commands (JSON text or protobuf bytes) to its session. */
  deliver(id: string, data: string | Uint8Array): EmulationDelivery {
    const session = this.sessions.get(id);
    if (session === undefined || session.isClosed) return 'unknown_session';
    const binary = typeof data !== 'string';
    if (binary !== session.codec.binary) return 'wrong_codec';
    if (typeof data === 'string') session.onMessage(data);
    else session.onBinary(data);
    return 'delivered';
  }
}
