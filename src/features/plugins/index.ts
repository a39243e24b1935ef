// Installs plugin and data-source streams: the `plugin` and `ds` scopes, the stream plugins (the
// built-in testdata plugin, plugins given in code and [live] plugin_paths modules), the data sources
// of [live] datasource_provisioning (re-read every minute) and the node's run-stream manager.

import type { FeatureContext, InstalledFeature } from '../context.js';
import type { StreamPlugin } from './api.js';
import { DataSourceRegistry } from './datasources/registry.js';
import { loadPluginModule } from './loader.js';
import { nodeLocalChannels } from './local-channels.js';
import { PluginRegistry } from './registry.js';
import { RunStreamManager, type RunStreamOptions } from './run-manager.js';
import { PluginStreamHandler } from './plugin-channel.js';
import { StreamTargets } from './targets.js';
import { createTestDataPlugin } from './testdata/index.js';

export type * from './api.js';
export { testDataChannels, type ListedChannel } from './testdata/index.js';

export interface PluginsOptions {
  /** Plugins registered in code, besides the built-in testdata plugin. */
  readonly plugins?: readonly StreamPlugin[];
  /** Run-stream manager timings (tests shorten the 5 s idle check). */
  readonly runStream?: Partial<RunStreamOptions>;
  /** Register the built-in testdata plugin (default true). */
  readonly testdata?: boolean;
}

export interface PluginsFeature extends InstalledFeature {
  registerPlugin(plugin: StreamPlugin): void;
  readonly plugins: PluginRegistry;
  readonly dataSources: DataSourceRegistry;
  readonly runs: RunStreamManager;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function installPlugins(ctx: FeatureContext, options: PluginsOptions = {}): PluginsFeature {
  const log = ctx.log.child('plugins');
  const plugins = new PluginRegistry();
  if (options.testdata !== false) plugins.register(createTestDataPlugin());
  for (const plugin of options.plugins ?? []) plugins.register(plugin);

  const dataSources = new DataSourceRegistry(ctx.config.live.datasourceProvisioning, log);
  const runs = new RunStreamManager(nodeLocalChannels(ctx.node), log, options.runStream);
  const handler = new PluginStreamHandler(new StreamTargets(plugins, dataSources), runs);
  ctx.registry.register('plugin', (address) => (plugins.get(address.namespace) !== undefined ? handler : undefined));
  ctx.registry.register('ds', (address) => (dataSources.hasUid(address.namespace) ? handler : undefined));

  let reloadTimer: NodeJS.Timeout | undefined;
  return {
    plugins,
    dataSources,
    runs,
    registerPlugin: (plugin) => plugins.register(plugin),
    async start(): Promise<void> {
      for (const file of ctx.config.live.pluginPaths) {
        for (const plugin of await loadPluginModule(file)) {
          plugins.register(plugin);
          log.info('stream plugin loaded', { plugin: plugin.id, file });
        }
      }
      if (ctx.config.live.datasourceProvisioning.length > 0) {
        const count = dataSources.load();
        log.info('data sources provisioned', { count, paths: ctx.config.live.datasourceProvisioning });
        // Grafana re-reads data sources every minute; running streams follow changes (run-manager.ts).
        reloadTimer = setInterval(() => dataSources.reload(), options.runStream?.contextCheckMs ?? 60_000);
        reloadTimer.unref();
      }
    },
    async stop(): Promise<void> {
      clearInterval(reloadTimer);
      await runs.close();
    },
  };
}
