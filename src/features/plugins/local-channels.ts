// Adapts the LiveNode to what the run-stream manager needs: node-local publishing, the local
// subscriber count, and ending local subscriptions with an unsubscribe push.

import type { LiveNode } from '../../live/node.js';
import type { LocalChannels } from './run-manager.js';

export function nodeLocalChannels(node: LiveNode): LocalChannels {
  return {
    publishLocal: (fullChannel, data) => node.publishLocal(fullChannel, data),
    localSubscribers: (fullChannel) => node.hub.localSubscribers(fullChannel),
    endSubscriptions: (fullChannel, code, reason) => {
      for (const subscription of node.hub.subscriptionsOf(fullChannel)) {
        // One still subscribing will start a fresh run itself once its reply is out.
        if (subscription.active) subscription.owner.dropSubscription(subscription, code, reason);
      }
    },
  };
}
