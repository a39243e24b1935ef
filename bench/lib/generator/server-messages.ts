// The parts of Centrifuge server messages the resilient client and the numbered publisher read
// (JSON.parse results, every field optional), and how a frame splits into them.

import type { RawWs } from '../rawws.js';

export interface ServerPublication {
  readonly data?: { readonly s?: unknown };
  readonly offset?: number;
}

export interface ServerMessage {
  readonly id?: number;
  readonly error?: { readonly code?: number; readonly message?: string; readonly temporary?: boolean };
  readonly subscribe?: { readonly recovered?: boolean; readonly was_recovering?: boolean; readonly epoch?: string; readonly offset?: number; readonly publications?: readonly ServerPublication[] };
  readonly push?: {
    readonly channel?: string;
    readonly pub?: ServerPublication;
    readonly unsubscribe?: { readonly code?: number };
    readonly disconnect?: { readonly code?: number };
  };
}

/** The JSON messages of one protocol frame (newline-separated); a ping (`{}`) is answered at once. */
export function* frameMessages(ws: RawWs, text: string): Generator<ServerMessage> {
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line === '{}') {
      ws.send('{}');
      continue;
    }
    let msg: ServerMessage | undefined;
    try {
      msg = JSON.parse(line) as ServerMessage;
    } catch {
      // not JSON: not ours to judge here
    }
    if (msg !== undefined) yield msg;
  }
}

/** One more of `key` in a count-by-key record (close codes, error codes, …). */
export function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
