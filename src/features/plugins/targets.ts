// Resolves what a `plugin/<id>/<path>` or `ds/<uid>/<path>` channel refers to for one caller: the
// plugin and the plugin context (org, identity, data source). Unknown plugin or data source →
// not_found; a data source the caller may not use → permission_denied.

import { hasRole, type Identity } from '../../auth/identity.js';
import type { ChannelRequest } from '../../live/handlers.js';
import type { DataSourceSettings, StreamStatus } from './api.js';
import type { DataSourceRegistry } from './datasources/registry.js';
import type { PluginRegistry } from './registry.js';
import type { ResolvedStream } from './run-manager.js';

export type Target = ({ readonly status: 'ok' } & ResolvedStream) | { readonly status: Exclude<StreamStatus, 'ok'> };

/** Data sources have no ACLs here: any member of the data source's org may query it (Grafana's default role grants). */
export function canQueryDataSource(identity: Identity, dataSource: DataSourceSettings): boolean {
  return identity.orgId === dataSource.orgId && hasRole(identity, 'Viewer');
}

export class StreamTargets {
  constructor(
    private readonly plugins: PluginRegistry,
    private readonly dataSources: DataSourceRegistry,
  ) {}

  resolve(request: Pick<ChannelRequest, 'identity' | 'tenant' | 'address'>): Target {
    const orgId = request.tenant.orgId;
    if (orgId === undefined) return { status: 'not_found' };
    const { scope, namespace } = request.address;
    if (scope === 'plugin') {
      const plugin = this.plugins.get(namespace);
      if (plugin === undefined) return { status: 'not_found' };
      return { status: 'ok', plugin, context: { pluginId: plugin.id, orgId, identity: request.identity } };
    }
    const dataSource = this.dataSources.get(orgId, namespace);
    if (dataSource === undefined) return { status: 'not_found' };
    if (!canQueryDataSource(request.identity, dataSource)) return { status: 'permission_denied' };
    const plugin = this.plugins.forType(dataSource.type);
    // A data source whose plugin has no streaming support.
    if (plugin === undefined) return { status: 'not_found' };
    return { status: 'ok', plugin, context: { pluginId: plugin.id, orgId, identity: request.identity, dataSource } };
  }
}
