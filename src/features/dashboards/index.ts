// Installs the dashboards feature: the `grafana/dashboard/…` channels, the Grafana-compatible
// dashboard API and its storage (SQLite by default, PostgreSQL per [database]), whose schema is
// migrated in start(). Saves and deletes publish change events cluster-wide.

import type { FeatureContext, InstalledFeature } from '../context.js';
import { migrate } from '../../storage/migrate.js';
import { describeDatabase, openDatabase } from '../../storage/open.js';
import type { SqlDatabase } from '../../storage/sql.js';
import { DashboardChannelHandler } from './channel.js';
import { DashboardEventSource } from './events.js';
import { DASHBOARD_MIGRATIONS } from './migrations.js';
import type { DashboardRepository } from './repository.js';
import { registerDashboardRoutes } from './routes.js';
import { DashboardService } from './service.js';
import { SqlDashboardRepository } from './sql-repository.js';

export { DashboardEventSource, type EventUser } from './events.js';
export type { DashboardRepository } from './repository.js';

export interface DashboardsFeature extends InstalledFeature {
  /** The event seam: other save paths (provisioning, imports) must report changes here. */
  readonly events: DashboardEventSource;
  /** The repository once start() opened the database. */
  repository(): DashboardRepository | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function installDashboards(ctx: FeatureContext): DashboardsFeature {
  const log = ctx.log.child('dashboards');
  const events = new DashboardEventSource(ctx.node, log);
  let database: SqlDatabase | undefined;
  let service: DashboardService | undefined;

  const handler = new DashboardChannelHandler(() => service?.repository, log);
  ctx.grafanaScope.registerFeature('dashboard', () => handler);
  registerDashboardRoutes(ctx.router, ctx.auth, () => service, { limiter: ctx.rateLimiter, maxJsonDepth: ctx.config.server.maxJsonDepth });

  return {
    events,
    repository: () => service?.repository,
    async start(): Promise<void> {
      if (database !== undefined) return;
      const target = describeDatabase(ctx.config.database, ctx.config.paths.data);
      const db = await openDatabase(ctx.config.database, ctx.config.paths.data, (problem) => log.warn('data file permissions', { problem }));
      try {
        const applied = await migrate(db, DASHBOARD_MIGRATIONS);
        if (applied.length > 0) log.info('database migrations applied', { database: target, migrations: applied });
      } catch (err) {
        await db.close().catch(() => undefined);
        throw new Error(`database migration failed on ${target}: ${(err as Error).message}`, { cause: err });
      }
      database = db;
      service = new DashboardService(new SqlDashboardRepository(db), events);
      log.info('dashboard storage ready', { database: target });
    },
    async stop(): Promise<void> {
      const db = database;
      service = undefined;
      database = undefined;
      await db?.close();
    },
  };
}
