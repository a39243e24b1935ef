// Reads a JSON request body: bounded in size (readBody), in nesting depth ([server] max_json_depth)
// and parsed; every failure is a BodyError with a status and a message saying what was wrong, never
// a 500. The text is returned too: published data is forwarded exactly as the client wrote it.

import type { IncomingMessage } from 'node:http';
import { jsonDepth } from '../protocol/json-text.js';
import { BodyError, readBody } from './respond.js';

export interface JsonBody {
  readonly text: string;
  readonly value: unknown;
}

export async function readJsonBody(req: IncomingMessage, limit: number, maxDepth: number): Promise<JsonBody> {
  const text = (await readBody(req, limit)).toString('utf8');
  // Checked before parsing: JSON.parse takes any depth, but JSON.stringify, storage and handlers
  // walk values recursively and would overflow the stack (a 500) on 100,000 levels.
  const depth = Number.isFinite(maxDepth) ? jsonDepth(text) : 0;
  if (depth > maxDepth) throw new BodyError(400, `bad request data: JSON nested ${depth} levels deep, more than the limit of ${maxDepth} ([server] max_json_depth)`);
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch {
    // Grafana's answer, word for word.
    throw new BodyError(400, 'bad request data');
  }
}
