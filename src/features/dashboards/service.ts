// The dashboards use cases behind the HTTP API: permission checks by org role, the repository call,
// and the change event after a successful save or delete (a failed event never fails the change).

import type { Identity } from '../../auth/identity.js';
import { canEditDashboards, canViewDashboards } from './access.js';
import { DashboardError } from './errors.js';
import { eventUser, type DashboardEventSource } from './events.js';
import type { DashboardSummary, SearchQuery, StoredDashboard } from './model.js';
import type { DashboardRepository } from './repository.js';
import { parseSaveRequest } from './save-request.js';

export const Forbidden = {
  view: () => new DashboardError(403, 'Access denied to this dashboard'),
  save: () => new DashboardError(403, 'Access denied to save dashboard'),
  delete: () => new DashboardError(403, 'Access denied to delete dashboard'),
} as const;

export class DashboardService {
  constructor(
    readonly repository: DashboardRepository,
    private readonly events: DashboardEventSource,
    private readonly now: () => number = Date.now,
  ) {}

  async save(identity: Identity, body: unknown): Promise<StoredDashboard> {
    if (!canEditDashboards(identity)) throw Forbidden.save();
    const { command, message } = parseSaveRequest(body, identity, this.now());
    const saved = await this.repository.save(command);
    await this.events.dashboardSaved(saved.orgId, saved.uid, { user: eventUser(identity), message, rv: String(saved.version) });
    return saved;
  }

  async get(identity: Identity, uid: string): Promise<StoredDashboard | undefined> {
    if (!canViewDashboards(identity)) throw Forbidden.view();
    return this.repository.get(identity.orgId, uid);
  }

  async delete(identity: Identity, uid: string): Promise<StoredDashboard | undefined> {
    if (!canEditDashboards(identity)) throw Forbidden.delete();
    const deleted = await this.repository.delete(identity.orgId, uid);
    if (deleted !== undefined) await this.events.dashboardDeleted(deleted.orgId, deleted.uid, { user: eventUser(identity) });
    return deleted;
  }

  async search(identity: Identity, query: SearchQuery): Promise<DashboardSummary[]> {
    if (!canViewDashboards(identity)) throw Forbidden.view();
    return this.repository.search(identity.orgId, query);
  }
}
