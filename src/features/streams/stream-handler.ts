// stream/<streamId>/<measurement>: any signed-in user of the org may subscribe and gets the last full
// frame (from the shared frame cache) as initial data; publishing is denied (403) — data enters only
// through the push endpoints.

import type { ChannelHandler, PublishResult, SubscribeResult } from '../../live/handlers.js';
import type { LiveNode } from '../../live/node.js';

export class ManagedStreamHandler implements ChannelHandler {
  constructor(private readonly node: LiveNode) {}

  async onSubscribe(request: { readonly fullChannel: string }): Promise<SubscribeResult> {
    const cached = await this.node.cachedFrame(request.fullChannel);
    return cached === undefined ? { status: 'ok' } : { status: 'ok', data: cached.frame };
  }

  async onPublish(): Promise<PublishResult> {
    return { status: 'permission_denied' };
  }
}
