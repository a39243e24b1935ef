// The "grafana" scope holds built-in features by namespace (broadcast now; dashboard later). Each
// feature registers its namespace here; unknown namespaces answer 404.

import type { ChannelAddress } from '../live/channel.js';
import type { ChannelHandler, HandlerRegistry, ScopeResolver } from '../live/handlers.js';

export class GrafanaScope {
  private readonly features = new Map<string, ScopeResolver>();

  constructor(registry: HandlerRegistry) {
    registry.register('grafana', (address) => this.resolve(address));
  }

  registerFeature(namespace: string, resolver: ScopeResolver): void {
    this.features.set(namespace, resolver);
  }

  private resolve(address: ChannelAddress): ChannelHandler | undefined {
    return this.features.get(address.namespace)?.(address);
  }
}
