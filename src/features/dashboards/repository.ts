// The storage port of the dashboards feature: what the API, the channel handler and the event
// source need, independent of SQLite or PostgreSQL (sql-repository.ts implements it).

import type { DashboardSummary, SaveCommand, SearchQuery, StoredDashboard } from './model.js';

export interface DashboardRepository {
  get(orgId: number, uid: string): Promise<StoredDashboard | undefined>;
  exists(orgId: number, uid: string): Promise<boolean>;
  /** Creates or updates atomically; throws DashboardError (404, 400, 412) per Grafana's rules. */
  save(command: SaveCommand): Promise<StoredDashboard>;
  /** Deletes and returns the removed dashboard, or undefined when there was none. */
  delete(orgId: number, uid: string): Promise<StoredDashboard | undefined>;
  /** Title order (case-insensitive), then id. */
  search(orgId: number, query: SearchQuery): Promise<DashboardSummary[]>;
}
