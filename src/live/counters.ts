// Plain counters the node bumps on its hot paths (a property increment, no allocation). The
// Prometheus exporter reads them only when /metrics is scraped, so fan-out pays nothing for metrics.

/** Scope of a full channel "<tenant>/<scope>/…" ("grafana", "stream", "plugin", "ds", …). */
export function scopeOf(fullChannel: string): string {
  const first = fullChannel.indexOf('/');
  const second = fullChannel.indexOf('/', first + 1);
  return second > first ? fullChannel.slice(first + 1, second) : 'unknown';
}

function bump(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

export class NodeCounters {
  /** Publications accepted for fan-out (cluster-wide publish or publishLocal), by scope. */
  readonly published = new Map<string, number>();
  /** Publications received from the engine (or locally), by scope. */
  readonly received = new Map<string, number>();
  /** Frames written to client sockets for publications, by scope. */
  readonly delivered = new Map<string, number>();
  /** Server-initiated closes by disconnect code. */
  readonly disconnects = new Map<string, number>();
  /** Error replies by protocol code. */
  readonly replyErrors = new Map<string, number>();
  /** Publishes that failed because the engine could not take them. */
  publishFailures = 0;
  connectionsAccepted = 0;
  connectionLimitRejections = 0;
  originRejections = 0;
  slowClientCloses = 0;
  resynchronisedSubscriptions = 0;
  /** API token revocations/changes acted on, by where they were noticed ("local" file, "remote" node). */
  readonly credentialChanges = new Map<string, number>();
  /** Revocations that could not be sent to the other nodes (engine unavailable). */
  credentialNotifyFailures = 0;
  /** Joins/leaves not published because their channel was above join_leave_max_subscribers. */
  joinLeaveNotPublished = 0;
  /** Joins/leaves from the engine not pushed because their channel was above the limit here. */
  joinLeaveNotDelivered = 0;

  countPublished(fullChannel: string): void {
    bump(this.published, scopeOf(fullChannel));
  }

  countReceived(fullChannel: string, deliveries: number): void {
    const scope = scopeOf(fullChannel);
    bump(this.received, scope);
    if (deliveries > 0) bump(this.delivered, scope, deliveries);
  }

  countDisconnect(code: number): void {
    bump(this.disconnects, String(code));
  }

  countCredentialChange(source: 'local' | 'remote'): void {
    bump(this.credentialChanges, source);
  }

  countReplyError(code: number): void {
    bump(this.replyErrors, String(code));
  }
}
