// The presence, presence_stats and history commands of one session. Answered for channels whose
// handler enabled the feature, to callers who may subscribe to the channel (Grafana answers 108
// always); 108 otherwise. The session and the node are seen through the narrow ports declared here.

import type { Identity } from '../auth/identity.js';
import { UnrecoverablePositionError, type ClientInfo, type PresenceStats } from '../engine/engine.js';
import { Errors, type ProtocolError } from '../protocol/codes.js';
import type { HistoryRequest } from '../protocol/commands.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import type { OutboundMessage } from '../protocol/outbound-message.js';
import { engineError } from './engine-error.js';
import type { Resolution } from './live-facade.js';
import type { HistoryReader } from './recovery.js';
import type { SessionSubscriptions } from './session-subscriptions.js';

/** What the presence and history commands read through the node. */
export interface ChannelReadPort extends HistoryReader {
  resolve(identity: Identity, prefixed: string): Resolution;
  historyEnabled(): boolean;
  presence(fullChannel: string): Promise<Map<string, ClientInfo>>;
  presenceStats(fullChannel: string): Promise<PresenceStats>;
}

/** What the presence and history commands need from the session. */
export interface ReadingSession {
  readonly node: ChannelReadPort;
  readonly identity: Identity;
  readonly subscriptions: SessionSubscriptions;
  readonly codec: ProtocolCodec;
  send(message: OutboundMessage): void;
  replyError(id: number, error: ProtocolError): void;
}

interface ReadAccess {
  readonly fullChannel: string;
  readonly presence: boolean;
  readonly history: boolean;
}

/** May this session read the channel's presence/history? Its own subscription is proof enough. */
async function readAccess(session: ReadingSession, channel: string): Promise<ReadAccess | ProtocolError> {
  const own = session.subscriptions.get(channel);
  if (own !== undefined) {
    return { fullChannel: own.fullChannel, presence: own.options.presence, history: own.options.history };
  }
  const resolved = session.node.resolve(session.identity, channel);
  if (!resolved.ok) return resolved.error;
  try {
    const result = await resolved.handler.onSubscribe({ ...resolved, identity: session.identity, data: undefined });
    if (result.status === 'not_found') return Errors.notFound;
    if (result.status === 'permission_denied') return Errors.forbidden;
    return { fullChannel: resolved.fullChannel, presence: result.presence === true, history: result.history === true };
  } catch {
    return Errors.internal;
  }
}

function isError(value: ReadAccess | ProtocolError): value is ProtocolError {
  return 'code' in value;
}

export async function handlePresence(session: ReadingSession, id: number, channel: string): Promise<void> {
  const access = await readAccess(session, channel);
  if (isError(access)) return session.replyError(id, access);
  if (!access.presence) return session.replyError(id, Errors.notAvailable);
  try {
    session.send(session.codec.presence(id, await session.node.presence(access.fullChannel)));
  } catch (err) {
    session.replyError(id, engineError(err));
  }
}

export async function handlePresenceStats(session: ReadingSession, id: number, channel: string): Promise<void> {
  const access = await readAccess(session, channel);
  if (isError(access)) return session.replyError(id, access);
  if (!access.presence) return session.replyError(id, Errors.notAvailable);
  try {
    const stats = await session.node.presenceStats(access.fullChannel);
    session.send(session.codec.presenceStats(id, stats.numClients, stats.numUsers));
  } catch (err) {
    session.replyError(id, engineError(err));
  }
}

export async function handleHistory(session: ReadingSession, id: number, request: HistoryRequest): Promise<void> {
  const access = await readAccess(session, request.channel);
  if (isError(access)) return session.replyError(id, access);
  if (!access.history || !session.node.historyEnabled()) return session.replyError(id, Errors.notAvailable);
  if (request.reverse && request.since !== undefined && request.since.offset === 0) return session.replyError(id, Errors.badRequest);
  try {
    const query = request.since === undefined
      ? { limit: request.limit, reverse: request.reverse }
      : { limit: request.limit, reverse: request.reverse, since: request.since };
    const result = await session.node.history(access.fullChannel, query);
    session.send(session.codec.history(id, result.publications, result.position));
  } catch (err) {
    if (err instanceof UnrecoverablePositionError) return session.replyError(id, Errors.unrecoverablePosition);
    session.replyError(id, engineError(err));
  }
}
