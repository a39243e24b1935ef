// What the HTTP and WebSocket edges need from authentication (implemented by auth/authenticator.ts).

import type { IncomingHttpHeaders } from 'node:http';
import type { Identity } from '../auth/identity.js';

export type AuthOutcome =
  | { readonly ok: true; readonly identity: Identity; readonly credential: 'none' | 'header' | 'query' }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired'; readonly message: string };

/** Asynchronous: a JWT may wait for the keys of `[auth.jwt] jwk_set_url`. */
export interface RequestAuthenticator {
  authenticateRequest(req: { readonly headers: IncomingHttpHeaders; readonly url?: string }): Promise<AuthOutcome>;
  authenticateToken(token: string): Promise<AuthOutcome>;
  /** The request carries an explicit credential (header or auth_token), valid or not. */
  hasCredential(req: { readonly headers: IncomingHttpHeaders; readonly url?: string }): boolean;
}
