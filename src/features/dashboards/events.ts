// Dashboard change events on `grafana/dashboard/uid/<uid>` (grafana-live.md §5.1): the JSON shape
// (keys omitted when empty, never the full dashboard model) and the event source that publishes
// server-originated `saved` / `deleted` cluster-wide. A failed publish is logged, never fatal.

import type { Identity } from '../../auth/identity.js';
import type { Logger } from '../../log/logger.js';
import { tenantForOrg, type Tenant } from '../../live/tenant.js';

export type DashboardAction = 'saved' | 'deleted' | 'editing-started';

export interface EventUser {
  /** Grafana sends a number; ids beyond 2^53 would stay strings (livehub ids never are). */
  readonly id: number | string;
  readonly name: string;
  readonly login: string;
}

export interface DashboardEvent {
  readonly uid: string;
  readonly action: DashboardAction;
  readonly user?: EventUser;
  readonly sessionId?: string;
  readonly message?: string;
  /** Resource version of a save (the dashboard version as a string). */
  readonly rv?: string;
}

export function eventUser(identity: Identity): EventUser {
  const n = Number(identity.userId);
  return { id: Number.isSafeInteger(n) ? n : identity.userId, name: identity.name, login: identity.login };
}

/** The event JSON with Grafana's key order; empty optional keys are left out. */
export function encodeEvent(event: DashboardEvent): string {
  const out: Record<string, unknown> = { uid: event.uid, action: event.action };
  if (event.user !== undefined) out['user'] = event.user;
  if (event.sessionId !== undefined && event.sessionId !== '') out['sessionId'] = event.sessionId;
  if (event.message !== undefined && event.message !== '') out['message'] = event.message;
  if (event.rv !== undefined && event.rv !== '') out['rv'] = event.rv;
  return JSON.stringify(out);
}

export function dashboardChannel(uid: string): string {
  return `grafana/dashboard/uid/${uid}`;
}

/** What the event source needs from the node. */
export interface EventPublisher {
  fullChannel(tenant: Tenant, channel: string): string;
  publish(fullChannel: string, data: string): Promise<unknown>;
}

/** The dashboard event seam (grafana-live.md §2.1); any save path must go through it. */
export class DashboardEventSource {
  constructor(
    private readonly node: EventPublisher,
    private readonly log: Logger,
  ) {}

  dashboardSaved(orgId: number, uid: string, details: { rv?: string; user?: EventUser; message?: string } = {}): Promise<boolean> {
    return this.emit(orgId, { uid, action: 'saved', ...details });
  }

  dashboardDeleted(orgId: number, uid: string, details: { user?: EventUser } = {}): Promise<boolean> {
    return this.emit(orgId, { uid, action: 'deleted', ...details });
  }

  /** Resolves false (and logs) when the event could not be published; the change itself stands. */
  private async emit(orgId: number, event: DashboardEvent): Promise<boolean> {
    const channel = this.node.fullChannel(tenantForOrg(orgId), dashboardChannel(event.uid));
    try {
      await this.node.publish(channel, encodeEvent(event));
      return true;
    } catch (err) {
      this.log.warn('dashboard event not published', { channel, action: event.action, error: err });
      return false;
    }
  }
}
