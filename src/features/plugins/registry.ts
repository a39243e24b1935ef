// The stream plugins this node knows, by id and alias. Plugins can be added at any time (code or
// module files); channel resolution looks them up on every subscribe, so late additions work.

import type { StreamPlugin } from './api.js';

// Same character set as a channel namespace, so every plugin id is addressable.
const PLUGIN_ID = /^[A-z0-9_.-]+$/;

function isFunction(value: unknown): boolean {
  return typeof value === 'function';
}

/** True when `value` has the shape of a StreamPlugin (for module files, which are not type-checked). */
export function isStreamPlugin(value: unknown): value is StreamPlugin {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p['id'] === 'string' && isFunction(p['subscribeStream']) && isFunction(p['runStream']) && isFunction(p['publishStream'])
    && (p['aliases'] === undefined || (Array.isArray(p['aliases']) && p['aliases'].every((a) => typeof a === 'string')));
}

export class PluginRegistry {
  private readonly byId = new Map<string, StreamPlugin>();
  private readonly byType = new Map<string, StreamPlugin>();

  /** Throws on an invalid or duplicate id (a configuration mistake to surface at startup). */
  register(plugin: StreamPlugin): void {
    if (!isStreamPlugin(plugin)) throw new Error('not a stream plugin: needs id, subscribeStream, runStream and publishStream');
    if (!PLUGIN_ID.test(plugin.id)) throw new Error(`invalid stream plugin id ${JSON.stringify(plugin.id)}: use letters, digits, "_", "-" and "."`);
    if (this.byId.has(plugin.id)) throw new Error(`stream plugin ${plugin.id} is already registered`);
    this.byId.set(plugin.id, plugin);
    for (const type of [plugin.id, ...(plugin.aliases ?? [])]) {
      if (!this.byType.has(type)) this.byType.set(type, plugin);
    }
  }

  /** The plugin of `plugin/<id>/…`. */
  get(id: string): StreamPlugin | undefined {
    return this.byId.get(id);
  }

  /** The plugin serving data sources of `type`. */
  forType(type: string): StreamPlugin | undefined {
    return this.byType.get(type);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
