// The `grafana/dashboard/…` channel handler (grafana-live.md §5.1, §5.5): watchers subscribe to
// `uid/<uid>` (dashboard must exist, caller may view; presence and join/leave on), editors announce
// `editing-started`; `editing-cancelled` succeeds without publishing. Other paths are 404.

import type { Identity } from '../../auth/identity.js';
import type { ChannelHandler, PublishRequestContext, PublishResult, SubscribeRequestContext, SubscribeResult } from '../../live/handlers.js';
import { RateLimitedLog, type Logger } from '../../log/logger.js';
import { canEditDashboards, canViewDashboards } from './access.js';
import { encodeEvent, eventUser } from './events.js';

/** What the handler needs to know about dashboards. */
export interface DashboardLookup {
  exists(orgId: number, uid: string): Promise<boolean>;
}

/** The uid of a `uid/<uid>` path, undefined for any other path. */
export function uidOfPath(path: string): string | undefined {
  if (!path.startsWith('uid/')) return undefined;
  const uid = path.slice(4);
  return uid === '' || uid.includes('/') ? undefined : uid;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class DashboardChannelHandler implements ChannelHandler {
  private readonly unknownPathLog = new RateLimitedLog(60_000);

  constructor(
    private readonly dashboards: () => DashboardLookup | undefined,
    private readonly log: Logger,
  ) {}

  async onSubscribe(request: SubscribeRequestContext): Promise<SubscribeResult> {
    const uid = this.uidOf(request.address.path);
    const orgId = request.tenant.orgId;
    if (uid === undefined || orgId === undefined) return { status: 'not_found' };
    if (!(await this.exists(orgId, uid))) return { status: 'not_found' };
    if (!canViewDashboards(request.identity)) return { status: 'permission_denied' };
    return { status: 'ok', presence: true, joinLeave: true };
  }

  async onPublish(request: PublishRequestContext): Promise<PublishResult> {
    const uid = this.uidOf(request.address.path);
    const orgId = request.tenant.orgId;
    if (uid === undefined || orgId === undefined) return { status: 'not_found' };
    const event = request.data;
    // Rejected events fail closed ('not_found') should an edge ever ignore `badRequest`.
    if (!isRecord(event) || event['uid'] !== uid) {
      return { status: 'not_found', badRequest: 'the event must be a JSON object whose "uid" is the channel\'s dashboard uid' };
    }
    const action = event['action'];
    if (action !== 'editing-started' && action !== 'editing-cancelled') {
      return { status: 'not_found', badRequest: 'only "editing-started" and "editing-cancelled" may be published to a dashboard channel' };
    }
    if (!(await this.exists(orgId, uid))) return { status: 'not_found' };
    if (!canEditDashboards(request.identity)) return { status: 'permission_denied' };
    // Grafana rejects editing-cancelled (the frontend ignores the error); answering OK is quieter.
    if (action === 'editing-cancelled') return { status: 'ok' };
    return { status: 'ok', data: this.editingStarted(uid, event, request.identity) };
  }

  /** Only known keys survive; the server fills `user` (clients cannot impersonate). */
  private editingStarted(uid: string, event: Record<string, unknown>, identity: Identity): string {
    const sessionId = event['sessionId'];
    return encodeEvent({
      uid,
      action: 'editing-started',
      user: eventUser(identity),
      ...(typeof sessionId === 'string' ? { sessionId } : {}),
    });
  }

  private uidOf(path: string): string | undefined {
    const uid = uidOfPath(path);
    if (uid === undefined && this.unknownPathLog.shouldLog(path)) this.log.error('Unknown dashboard channel', { path });
    return uid;
  }

  private async exists(orgId: number, uid: string): Promise<boolean> {
    const lookup = this.dashboards();
    // Storage not open yet (or failed to open): a temporary failure, so the client retries.
    if (lookup === undefined) throw new Error('dashboard storage is not available');
    return lookup.exists(orgId, uid);
  }
}
