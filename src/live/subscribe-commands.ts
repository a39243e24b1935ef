// The subscribe and unsubscribe commands of one session: channel and tenant checks, the handler's
// decision, hub + engine registration through the node, presence and join/leave, and recovery of
// missed publications (recovery.ts): buffer live publications, read history, merge by offset, reply,
// flush. The session and the node are seen through the narrow ports declared here.

import type { Identity } from '../auth/identity.js';
import { EngineUnavailableError, type ClientInfo } from '../engine/engine.js';
import type { Logger } from '../log/logger.js';
import { Disconnects, Errors, MAX_CHANNELS_PER_CONNECTION, type ProtocolError } from '../protocol/codes.js';
import type { SubscribeRequest } from '../protocol/commands.js';
import type { ProtocolCodec, SubscribeReply } from '../protocol/codec.js';
import type { OutboundMessage } from '../protocol/outbound-message.js';
import { Subscription, type SubscriptionOwner } from './channel-subscription.js';
import { engineError } from './engine-error.js';
import type { SubscribeResult } from './handlers.js';
import type { Resolution } from './live-facade.js';
import { recover, type HistoryReader, type Recovery } from './recovery.js';
import type { SessionSubscriptions } from './session-subscriptions.js';

/** What subscribing and unsubscribing need from the node. */
export interface SubscribeNodePort extends HistoryReader {
  readonly log: Logger;
  resolve(identity: Identity, prefixed: string): Resolution;
  historyEnabled(): boolean;
  /** Adds to the hub and, for the first local subscriber, subscribes the engine. */
  addSubscription(subscription: Subscription): Promise<void>;
  removeSubscription(subscription: Subscription): void;
  addPresence(fullChannel: string, info: ClientInfo): Promise<void>;
  removePresence(fullChannel: string, clientId: string): Promise<void>;
  publishJoin(fullChannel: string, info: ClientInfo): Promise<void>;
  publishLeave(fullChannel: string, info: ClientInfo): Promise<void>;
}

/** What subscribing and unsubscribing need from the session. */
export interface SubscribingSession extends SubscriptionOwner {
  readonly node: SubscribeNodePort;
  readonly identity: Identity;
  readonly isClosed: boolean;
  readonly subscriptions: SessionSubscriptions;
  /** The codec of the session's replies. */
  readonly codec: ProtocolCodec;
  send(message: OutboundMessage): void;
  replyError(id: number, error: ProtocolError): void;
  disconnect(code: number, reason: string): void;
}

export async function handleSubscribe(session: SubscribingSession, id: number, request: SubscribeRequest): Promise<void> {
  const { node } = session;
  const channel = request.channel;
  if (channel === '') return session.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
  // Map and shared-poll subscriptions are not offered: refused, never served as a plain stream the
  // client would misread.
  if (request.type !== undefined) return session.replyError(id, Errors.notAvailable);
  const resolved = node.resolve(session.identity, channel);
  if (!resolved.ok) return session.replyError(id, resolved.error);
  if (session.subscriptions.has(channel)) return session.replyError(id, Errors.alreadySubscribed);
  if (session.subscriptions.size >= MAX_CHANNELS_PER_CONNECTION) return session.replyError(id, Errors.limitExceeded);

  const context = { ...resolved, identity: session.identity, data: request.data };
  let result: SubscribeResult;
  try {
    result = await resolved.handler.onSubscribe(context);
  } catch (err) {
    // A handler that reads the engine (the broadcast's last message) during a Redis outage: a
    // temporary error the client retries, not a bug to log per subscription.
    if (err instanceof EngineUnavailableError) return session.replyError(id, engineError(err));
    node.log.error('subscribe handler failed', { channel, error: err });
    return session.replyError(id, Errors.internal);
  }
  if (session.isClosed) return;
  if (result.status === 'not_found') return session.replyError(id, Errors.notFound);
  if (result.status === 'permission_denied') return session.replyError(id, Errors.forbidden);
  // Another subscribe to the same channel may have completed while the handler ran.
  if (session.subscriptions.has(channel)) return session.replyError(id, Errors.alreadySubscribed);

  const historyOn = result.history === true && node.historyEnabled();
  const positioned = historyOn && (request.recoverable === true || request.positioned === true || request.recover === true);
  const subscription = new Subscription(session, channel, resolved.fullChannel, resolved.handler, {
    presence: result.presence === true,
    joinLeave: result.joinLeave === true,
    history: historyOn,
    positioned,
  });
  session.subscriptions.set(channel, subscription);
  try {
    await node.addSubscription(subscription);
  } catch (err) {
    session.subscriptions.delete(channel);
    return session.replyError(id, engineError(err));
  }

  let recovery: Recovery | undefined;
  try {
    const lateData = resolved.handler.initialDataAfterSubscribe;
    if (lateData !== undefined) {
      const data = await lateData.call(resolved.handler, resolved.fullChannel);
      result = data === undefined ? { ...result, data: undefined } : { ...result, data };
      const covered = resolved.handler.coveredByInitialData;
      if (data !== undefined && covered !== undefined) subscription.dropBuffered((pub) => covered.call(resolved.handler, data, pub.data));
    }
    if (positioned) recovery = await recover(node, subscription, request);
    if (recovery !== undefined && !recovery.recovered && request.recover === true && request.rejectUnrecovered === true) {
      // The client keeps its state elsewhere (centrifuge-js getState): 112 makes it reload that
      // state and subscribe again from the position it then gets, instead of going on with a hole.
      session.subscriptions.delete(channel);
      node.removeSubscription(subscription);
      return session.replyError(id, Errors.unrecoverablePosition);
    }
    if (subscription.options.presence) await node.addPresence(resolved.fullChannel, session.info);
  } catch (err) {
    session.subscriptions.delete(channel);
    node.removeSubscription(subscription);
    return session.replyError(id, engineError(err));
  }
  if (session.isClosed || session.subscriptions.get(channel) !== subscription) return;

  session.send(session.codec.subscribe(id, subscribeReply(result, request, recovery)));
  subscription.activate();
  resolved.handler.onLocalSubscribe?.(context);
  if (subscription.options.joinLeave) {
    node.publishJoin(resolved.fullChannel, session.info).catch((err: unknown) => {
      node.log.warn('join publish failed', { channel, error: err });
    });
  }
}

function subscribeReply(result: SubscribeResult, request: SubscribeRequest, recovery: Recovery | undefined): SubscribeReply {
  const data = result.data === undefined ? {} : { data: result.data };
  if (recovery === undefined) return data;
  return {
    ...data,
    position: recovery.position,
    wasRecovering: request.recover === true,
    recovered: recovery.recovered,
    publications: recovery.publications,
  };
}

export function handleUnsubscribe(session: SubscribingSession, id: number, channel: string): void {
  const subscription = session.subscriptions.get(channel);
  if (subscription !== undefined) removeSubscription(session, subscription);
  // Always succeed: an error here makes centrifuge-js reconnect.
  session.send(session.codec.empty(id, 'unsubscribe'));
}

/** Removes a subscription from the session, the hub, presence, and tells the channel (leave). */
export function removeSubscription(session: SubscribingSession, subscription: Subscription): void {
  const { node } = session;
  session.subscriptions.delete(subscription.channel);
  node.removeSubscription(subscription);
  const full = subscription.fullChannel;
  if (subscription.options.presence) {
    node.removePresence(full, session.clientId).catch((err: unknown) => {
      node.log.warn('presence remove failed', { channel: full, error: err });
    });
  }
  if (subscription.options.joinLeave) {
    node.publishLeave(full, session.info).catch((err: unknown) => {
      node.log.warn('leave publish failed', { channel: full, error: err });
    });
  }
}

export function removeAllSubscriptions(session: SubscribingSession): void {
  for (const subscription of [...session.subscriptions.values()]) removeSubscription(session, subscription);
}
