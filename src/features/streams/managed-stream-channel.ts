// stream/<streamId>/<measurement>: any signed-in user of the org may subscribe and gets the last full
// frame (from the shared frame cache) as initial data; publishing is denied (403) — data enters only
// through the push endpoints.

import type { ChannelHandler, PublishResult, SubscribeResult } from '../../live/handlers.js';
import type { LiveFacade } from '../../live/live-facade.js';

export class ManagedStreamHandler implements ChannelHandler {
  constructor(private readonly node: Pick<LiveFacade, 'cachedFrame'>) {}

  async onSubscribe(): Promise<SubscribeResult> {
    return { status: 'ok' };
  }

  /** Read after the subscription is live, so a push racing the subscribe is never missed. */
  async initialDataAfterSubscribe(fullChannel: string): Promise<string | undefined> {
    return (await this.node.cachedFrame(fullChannel))?.frame;
  }

  /** A frame pushed during the subscribe that is the cached frame itself (full, or its data-only form). */
  coveredByInitialData(initialData: string, publicationData: string): boolean {
    if (publicationData === initialData) return true;
    // {"data":D} is covered when the cached {"schema":S,"data":D} ends with the same "data":D}.
    return publicationData.startsWith('{"data":') && initialData.endsWith(publicationData.slice(1));
  }

  async onPublish(): Promise<PublishResult> {
    return { status: 'permission_denied' };
  }
}
