// Authentication for HTTP API routes: the identity, or a 401 JSON answer already written.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../auth/identity.js';
import type { RequestAuthenticator } from '../auth-port.js';
import { sendMessage } from '../respond.js';

export async function authenticateOrAnswer(auth: RequestAuthenticator, req: IncomingMessage, res: ServerResponse): Promise<Identity | undefined> {
  const outcome = await auth.authenticateRequest(req);
  if (outcome.ok) return outcome.identity;
  sendMessage(res, 401, outcome.reason === 'expired' ? 'Unauthorized: token expired' : 'Unauthorized');
  return undefined;
}
