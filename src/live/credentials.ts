// Revocation across the cluster. A node that notices an API token deleted or changed in its own
// token file closes its sessions using it at once and tells every other node through the engine
// (`Cluster.notify`, op "credentials"); a node told so closes its sessions using the token too —
// even when its own file is not shared or its own check has not come round yet — and re-reads its
// token file at once. Messages carry credential ids only (Identity.credentialId), never secrets.

import type { CredentialChange } from '../auth/identity.js';
import type { NotifyHandler } from '../engine/engine.js';
import type { Logger } from '../log/logger.js';
import { Disconnects, type DisconnectCode } from '../protocol/codes.js';
import type { NodeCounters } from './counters.js';

export const CREDENTIALS_NOTIFY_OP = 'credentials';
/** Ids per notification: deleting a file of thousands of tokens still makes small messages. */
export const MAX_CREDENTIAL_IDS_PER_MESSAGE = 500;
/** Credential ids are short ("glh:" + 16 characters); anything much longer is not one of ours. */
const MAX_CREDENTIAL_ID_LENGTH = 64;

/**
 * How a connection acting with an ended credential is closed: revoked → 3500 "token revoked"
 * (terminal: the token will never work again), changed → 3011 "credential changed" (the client
 * reconnects with what the token grants now); undefined for connections the change does not touch.
 */
export function endingFor(change: CredentialChange): (credentialId: string | undefined) => DisconnectCode | undefined {
  const revoked = new Set(change.revoked);
  const changed = new Set(change.changed);
  return (id) => {
    if (id === undefined) return undefined;
    if (revoked.has(id)) return Disconnects.tokenRevoked;
    return changed.has(id) ? Disconnects.credentialChanged : undefined;
  };
}

/** What revocation needs from the node (LiveNode). */
export interface RevocationNode {
  readonly counters: NodeCounters;
  readonly log: Logger;
  onNotify(op: string, handler: NotifyHandler): void;
  notify(op: string, payload: string): Promise<void>;
  /** Closes this node's connections that act with an ended credential; how many it closed. */
  endCredentialSessions(change: CredentialChange): number;
}

export class CredentialRevocations {
  constructor(
    private readonly node: RevocationNode,
    /** Called before acting on another node's message (the server re-reads its token file). */
    private readonly onRemote: () => void = () => undefined,
  ) {
    node.onNotify(CREDENTIALS_NOTIFY_OP, (payload) => this.received(payload));
  }

  /** This node noticed the change (its token file): end local sessions now, then tell the others. */
  noticed(change: CredentialChange): void {
    this.node.counters.countCredentialChange('local');
    const closed = this.node.endCredentialSessions(change);
    this.node.log.info('API tokens revoked or changed: their sessions are closed', {
      revoked: change.revoked.length, changed: change.changed.length, closed, source: 'token file',
    });
    for (const message of encodeCredentialChange(change)) {
      this.node.notify(CREDENTIALS_NOTIFY_OP, message).catch((err: unknown) => {
        this.node.counters.credentialNotifyFailures++;
        this.node.log.warn('revocation not sent to the other nodes; they close these sessions when they see the change in their own token file', {
          revoked: change.revoked.length, changed: change.changed.length, error: err,
        });
      });
    }
  }

  private received(payload: string): void {
    const change = decodeCredentialChange(payload);
    if (change === undefined) {
      this.node.log.warn('undecodable credential revocation from another node dropped', { bytes: payload.length });
      return;
    }
    this.node.counters.countCredentialChange('remote');
    this.onRemote();
    const closed = this.node.endCredentialSessions(change);
    this.node.log.info('API tokens revoked or changed: their sessions are closed', {
      revoked: change.revoked.length, changed: change.changed.length, closed, source: 'another node',
    });
  }
}

/** `{"r":[ids…],"c":[ids…]}`, split so no message holds more than MAX_CREDENTIAL_IDS_PER_MESSAGE ids. */
export function encodeCredentialChange(change: CredentialChange): string[] {
  const all = [...change.revoked.map((id) => ['r', id] as const), ...change.changed.map((id) => ['c', id] as const)];
  const messages: string[] = [];
  for (let at = 0; at < all.length; at += MAX_CREDENTIAL_IDS_PER_MESSAGE) {
    const part = all.slice(at, at + MAX_CREDENTIAL_IDS_PER_MESSAGE);
    messages.push(JSON.stringify({ r: part.filter(([k]) => k === 'r').map(([, id]) => id), c: part.filter(([k]) => k === 'c').map(([, id]) => id) }));
  }
  return messages;
}

export function decodeCredentialChange(payload: string): CredentialChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { r, c } = value as { r?: unknown; c?: unknown };
  if (!isIdList(r) || !isIdList(c) || r.length + c.length > MAX_CREDENTIAL_IDS_PER_MESSAGE) return undefined;
  return { revoked: r, changed: c };
}

function isIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_CREDENTIAL_ID_LENGTH);
}
