// Adapts the node's facade to what the run-stream manager needs: node-local publishing, the local
// subscriber count, and ending local subscriptions with an unsubscribe push.

import type { LiveFacade } from '../../live/live-facade.js';
import type { LocalChannels } from './run-manager.js';

export function nodeLocalChannels(node: Pick<LiveFacade, 'publishLocal' | 'localSubscribers' | 'endLocalSubscriptions'>): LocalChannels {
  return {
    publishLocal: (fullChannel, data) => node.publishLocal(fullChannel, data),
    localSubscribers: (fullChannel) => node.localSubscribers(fullChannel),
    // One still subscribing is left alone: it starts a fresh run itself once its reply is out.
    endSubscriptions: (fullChannel, code, reason) => node.endLocalSubscriptions(fullChannel, code, reason),
  };
}
