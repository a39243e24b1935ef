// A cluster of one: the memory engine's membership lists only this node, and a survey is answered
// in-process. Keeps callers (e.g. /api/live/list) identical for single-node and HA deployments.

import type { Cluster, LocalNodeIdentity, NodeInfo, NodeStats, NotifyHandler, SurveyHandler, SurveyResult } from '../engine.js';

export class SingleNodeCluster implements Cluster {
  private readonly handlers = new Map<string, SurveyHandler>();
  private readonly startedAt = Date.now();
  private stats: () => NodeStats = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });

  constructor(private readonly self: LocalNodeIdentity) {}

  get nodeId(): string {
    return this.self.id;
  }

  setStatsSource(stats: () => NodeStats): void {
    this.stats = stats;
  }

  nodes(): NodeInfo[] {
    const now = Date.now();
    return [
      {
        ...this.self,
        ...this.stats(),
        uptimeSeconds: Math.floor((now - this.startedAt) / 1000),
        lastSeen: now,
      },
    ];
  }

  onSurvey(op: string, handler: SurveyHandler): void {
    this.handlers.set(op, handler);
  }

  async survey(op: string, payload: string): Promise<SurveyResult> {
    const handler = this.handlers.get(op);
    if (handler === undefined) return { replies: [], missing: [this.self.id] };
    try {
      return { replies: [{ nodeId: this.self.id, payload: await handler(payload) }], missing: [] };
    } catch {
      return { replies: [], missing: [this.self.id] };
    }
  }

  /** The only node there is is this one. */
  async askNode(nodeId: string, op: string, payload: string): Promise<string | undefined> {
    const handler = this.handlers.get(op);
    if (nodeId !== this.self.id || handler === undefined) return undefined;
    try {
      return await handler(payload);
    } catch {
      return undefined;
    }
  }

  /** A cluster of one: no other node ever sends a notification... */
  onNotify(_op: string, _handler: NotifyHandler): void {}

  /** ...and there is no other node to receive one. */
  async notify(_op: string, _payload: string): Promise<void> {}
}
