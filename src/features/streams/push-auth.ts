// Who may push (live:push): a caller with a real credential and the Editor or Admin role. An
// anonymous caller gets 401 (Grafana answered anonymous pushes with an empty body, #56935).

import type { IncomingMessage } from 'node:http';
import { hasRole, type Identity } from '../../auth/identity.js';
import type { RequestAuthenticator } from '../../http/auth-port.js';

export type PushAuth = { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

export async function authorizePush(auth: RequestAuthenticator, req: IncomingMessage): Promise<PushAuth> {
  const outcome = await auth.authenticateRequest(req);
  if (!outcome.ok || outcome.credential === 'none') return { ok: false, status: 401, message: 'Unauthorized' };
  if (!hasRole(outcome.identity, 'Editor')) return { ok: false, status: 403, message: 'Forbidden' };
  return { ok: true, identity: outcome.identity };
}
