// subscribe / unsubscribe for one session: channel and tenant checks, the handler's decision,
// hub + engine registration, presence and join/leave, and recovery of missed publications
// (centrifuge-protocol.md §8.3): buffer live publications, read history, merge by offset, reply, flush.

import { EngineUnavailableError, HISTORY_MAX_PAGE, UnrecoverablePositionError, type Publication, type StreamPosition } from '../engine/engine.js';
import { Disconnects, Errors, MAX_CHANNELS_PER_CONNECTION } from '../protocol/codes.js';
import type { SubscribeRequest } from '../protocol/commands.js';
import { encodePublication } from '../protocol/replies.js';
import type { ClientSession } from './client.js';
import type { SubscribeResult } from './handlers.js';
import { engineError } from './node.js';
import { Subscription } from './channel-subscription.js';

interface Recovery {
  readonly position: StreamPosition;
  readonly publications: Publication[];
  readonly recovered: boolean;
}

export async function handleSubscribe(session: ClientSession, id: number, request: SubscribeRequest): Promise<void> {
  const { node } = session;
  const channel = request.channel;
  if (channel === '') return session.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
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
    if (positioned) recovery = await recover(session, subscription, request);
    if (subscription.options.presence) await node.engine.presence.add(resolved.fullChannel, session.info);
  } catch (err) {
    session.subscriptions.delete(channel);
    node.removeSubscription(subscription);
    return session.replyError(id, engineError(err));
  }
  if (session.isClosed || session.subscriptions.get(channel) !== subscription) return;

  session.reply(id, 'subscribe', subscribeResult(result, request, recovery));
  subscription.activate();
  resolved.handler.onLocalSubscribe?.(context);
  if (subscription.options.joinLeave) {
    node.publishJoin(resolved.fullChannel, session.info).catch((err: unknown) => {
      node.log.warn('join publish failed', { channel, error: err });
    });
  }
}

/** Reads the stream position (and missed publications when asked) and merges the live buffer. */
async function recover(session: ClientSession, subscription: Subscription, request: SubscribeRequest): Promise<Recovery> {
  const { node } = session;
  const settings = { size: node.options.historySize, ttlSeconds: node.options.historyTtlSeconds };
  const full = subscription.fullChannel;
  if (request.recover !== true) {
    const top = await node.engine.broker.history(full, { limit: 0 }, settings);
    return finish(subscription, top.position, [], false);
  }
  const since = { offset: request.offset ?? 0, epoch: request.epoch ?? '' };
  try {
    const read = await node.engine.broker.history(full, { since, limit: HISTORY_MAX_PAGE }, settings);
    const pubs = read.publications;
    const top = read.position.offset;
    const recovered = pubs.length === 0
      ? top === since.offset
      : pubs[0]!.offset === since.offset + 1 && pubs[pubs.length - 1]!.offset === top;
    return finish(subscription, read.position, recovered ? pubs : [], recovered, since.offset);
  } catch (err) {
    if (!(err instanceof UnrecoverablePositionError)) throw err;
    const top = await node.engine.broker.history(full, { limit: 0 }, settings);
    return finish(subscription, top.position, [], false);
  }
}

/**
 * Sets the subscription's position. Recovered: the reply carries the client's offset and the
 * publications that move it to the top (plus live ones buffered meanwhile, deduplicated by offset).
 * Not recovered: the reply carries the top, and buffered publications above it follow as pushes.
 */
function finish(subscription: Subscription, position: StreamPosition, recoveredPubs: Publication[], recovered: boolean, fromOffset = 0): Recovery {
  subscription.epoch = position.epoch;
  if (!recovered) {
    subscription.lastOffset = position.offset;
    return { position, publications: [], recovered: false };
  }
  const merged = [...recoveredPubs];
  let last = recoveredPubs.length > 0 ? recoveredPubs[recoveredPubs.length - 1]!.offset! : fromOffset;
  for (const pub of subscription.buffered()) {
    if (pub.offset === undefined || pub.epoch !== position.epoch || pub.offset <= last) continue;
    if (pub.offset !== last + 1) break; // a gap: the positioned check will resynchronise the client
    merged.push(pub);
    last = pub.offset;
  }
  subscription.lastOffset = last;
  return { position: { offset: fromOffset, epoch: position.epoch }, publications: merged, recovered: true };
}

function subscribeResult(result: SubscribeResult, request: SubscribeRequest, recovery: Recovery | undefined): string {
  const parts: string[] = [];
  if (recovery !== undefined) {
    parts.push('"recoverable":true', '"positioned":true', `"epoch":${JSON.stringify(recovery.position.epoch)}`);
    if (recovery.position.offset > 0) parts.push(`"offset":${recovery.position.offset}`);
    if (request.recover === true) parts.push('"was_recovering":true');
    if (recovery.recovered) parts.push('"recovered":true');
    if (recovery.publications.length > 0) {
      parts.push(`"publications":[${recovery.publications.map(encodePublication).join(',')}]`);
    }
  }
  if (result.data !== undefined) parts.push(`"data":${result.data}`);
  return `{${parts.join(',')}}`;
}

export function handleUnsubscribe(session: ClientSession, id: number, channel: string): void {
  const subscription = session.subscriptions.get(channel);
  if (subscription !== undefined) removeSubscription(session, subscription);
  // Always succeed: an error here makes centrifuge-js reconnect.
  session.reply(id, 'unsubscribe');
}

/** Removes a subscription from the session, the hub, presence, and tells the channel (leave). */
export function removeSubscription(session: ClientSession, subscription: Subscription): void {
  const { node } = session;
  session.subscriptions.delete(subscription.channel);
  node.removeSubscription(subscription);
  const full = subscription.fullChannel;
  if (subscription.options.presence) {
    node.engine.presence.remove(full, session.clientId).catch((err: unknown) => {
      node.log.warn('presence remove failed', { channel: full, error: err });
    });
  }
  if (subscription.options.joinLeave) {
    node.publishLeave(full, session.info).catch((err: unknown) => {
      node.log.warn('leave publish failed', { channel: full, error: err });
    });
  }
}

export function removeAllSubscriptions(session: ClientSession): void {
  for (const subscription of [...session.subscriptions.values()]) removeSubscription(session, subscription);
}
