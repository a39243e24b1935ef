// grafana/broadcast/<path>: any signed-in user of the org may subscribe and publish any JSON. The
// last message is kept 5 minutes in the node's shared values (the engine's store: in HA every node
// has it; Grafana keeps it per node) and handed to new subscribers as initial data. History makes it
// recoverable.

import type { ChannelHandler, PublishRequestContext, PublishResult, SubscribeResult } from '../live/handlers.js';
import type { LiveFacade } from '../live/live-facade.js';
import type { GrafanaScope } from './grafana-scope.js';

export const BROADCAST_LAST_MESSAGE_TTL_SECONDS = 300;

/** Store key of a channel's last message; the engine adds its prefix (`<P>.live_message.<full>`). */
export function lastMessageKey(fullChannel: string): string {
  return `live_message.${fullChannel}`;
}

/** Where the last message is kept. */
export type LastMessageStore = Pick<LiveFacade, 'getValue' | 'setValue'>;

export class BroadcastHandler implements ChannelHandler {
  constructor(private readonly store: LastMessageStore) {}

  async onSubscribe(request: { readonly fullChannel: string }): Promise<SubscribeResult> {
    const last = await this.store.getValue(lastMessageKey(request.fullChannel));
    const base = { status: 'ok', presence: true, joinLeave: true, history: true } as const;
    return last === undefined ? base : { ...base, data: last };
  }

  async onPublish(request: PublishRequestContext): Promise<PublishResult> {
    await this.store.setValue(lastMessageKey(request.fullChannel), request.rawData, BROADCAST_LAST_MESSAGE_TTL_SECONDS);
    return { status: 'ok', data: request.rawData, history: true };
  }
}

export function registerBroadcast(scope: GrafanaScope, store: LastMessageStore): void {
  const handler = new BroadcastHandler(store);
  scope.registerFeature('broadcast', () => handler);
}
