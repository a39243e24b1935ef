// The cluster: every node with its connections, subscriptions and channels, plus the engine's
// health. Uses GET /api/live/cluster when the server has it and falls back to this node's
// GET /api/health when it answers 404 (checking again now and then, in case it appears).

import { request } from './api.js';
import { h, panel, timeOfDay } from './dom.js';

const REFRESH_MS = 5000;
/** After a 404, ask /api/live/cluster again only every this many refreshes. */
const RECHECK_EVERY = 12;

export interface NodeView {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly clients: number;
  readonly maxClients?: number;
  readonly subscriptions: number;
  readonly channels: number;
  readonly uptimeSeconds?: number;
  readonly lastSeen?: string;
  /** This node's connections by transport and codec (`websocket json`: n), from /api/live/cluster. */
  readonly connections?: Readonly<Record<string, number>>;
}

interface Health {
  readonly status: string;
  readonly engine: string;
  readonly node: NodeView | undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function parseHealth(body: unknown): Health {
  const b = record(body);
  const engine = record(b['engine']);
  const live = record(b['live']);
  const engineText = [str(engine['kind']), str(engine['state']), str(engine['detail'])].filter((s) => s !== '').join(' · ');
  const node: NodeView | undefined =
    str(b['nodeId']) === ''
      ? undefined
      : {
          id: str(b['nodeId']),
          name: '',
          version: str(b['version']),
          clients: num(live['connections']),
          maxClients: num(live['maxConnections']),
          subscriptions: num(live['subscriptions']),
          channels: num(live['channels']),
        };
  return { status: str(b['status']) || 'unknown', engine: engineText, node };
}

function parseCluster(body: unknown): NodeView[] | undefined {
  const nodes = record(body)['nodes'];
  if (!Array.isArray(nodes)) return undefined;
  const self = str(record(body)['self']);
  const connections: Record<string, number> = {};
  for (const [kind, count] of Object.entries(record(record(body)['connections']))) connections[kind] = num(count);
  return nodes.map((raw) => {
    const n = record(raw);
    const view: NodeView = {
      id: str(n['id']),
      name: str(n['name']),
      version: str(n['version']),
      clients: num(n['numClients']),
      subscriptions: num(n['numSubscriptions']),
      channels: num(n['numChannels']),
      uptimeSeconds: num(n['uptimeSeconds']),
      lastSeen: seenAt(n['lastSeen']),
      ...(str(n['id']) === self ? { connections } : {}),
    };
    return view;
  });
}

/** lastSeen may be an ISO date or epoch ms: shown as a local time of day. */
function seenAt(value: unknown): string {
  if (typeof value !== 'number' && typeof value !== 'string') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : timeOfDay(date);
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function stat(label: string, value: string): HTMLElement {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value', text: value }), h('span', { class: 'stat-label', text: label }));
}

function nodeCard(node: NodeView, self: string | undefined): HTMLElement {
  const title = node.name !== '' ? node.name : 'node';
  const clients = node.maxClients !== undefined && node.maxClients >= 0 ? `${node.clients} / ${node.maxClients}` : String(node.clients);
  const meta = [node.id.slice(0, 8), node.version !== '' ? `v${node.version}` : ''];
  if (node.uptimeSeconds) meta.push(`up ${duration(node.uptimeSeconds)}`);
  if (node.lastSeen) meta.push(`seen ${node.lastSeen}`);
  return h(
    'li',
    { class: 'node', 'data-testid': 'cluster-node', 'data-node': node.id },
    h('div', { class: 'node-head' }, h('strong', { text: title }), node.id === self ? h('span', { class: 'badge self', text: 'this node' }) : null, h('span', { class: 'muted small', text: meta.filter((m) => m !== '').join(' · ') })),
    h('div', { class: 'stats' }, stat('connections', clients), stat('subscriptions', String(node.subscriptions)), stat('channels', String(node.channels))),
    node.connections !== undefined && Object.keys(node.connections).length > 0
      ? h('p', {
        class: 'muted small',
        'data-testid': 'node-transports',
        text: Object.entries(node.connections).sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`).join(' · '),
      })
      : null,
  );
}

export class ClusterPanel {
  readonly root: HTMLElement;
  private readonly summary = h('div', { class: 'cluster-summary' });
  private readonly nodes = h('ul', { class: 'nodes' });
  private readonly note = h('p', { class: 'muted small' });
  private clusterMissing = false;
  private polls = 0;

  constructor() {
    const p = panel('Cluster', 'cluster', 'cluster');
    p.body.append(this.summary, this.nodes, this.note);
    this.root = p.root;
  }

  start(): void {
    void this.refresh();
    window.setInterval(() => void this.refresh(), REFRESH_MS);
  }

  async refresh(): Promise<void> {
    const askCluster = !this.clusterMissing || ++this.polls % RECHECK_EVERY === 0;
    const [healthRes, clusterRes] = await Promise.all([request('api/health'), askCluster ? request('api/live/cluster') : Promise.resolve(undefined)]);
    if (clusterRes !== undefined) this.clusterMissing = clusterRes.status === 404;
    // /api/health answers 503 with the same JSON when the engine is down: still worth showing.
    const health = healthRes.body !== undefined ? parseHealth(healthRes.body) : undefined;
    const clusterNodes = clusterRes !== undefined && clusterRes.error === undefined ? parseCluster(clusterRes.body) : undefined;
    const self = health?.node;
    // The cluster list comes from heartbeats; this node's own counters from /api/health are fresher.
    const nodes = clusterNodes
      ? clusterNodes.map((n) => (self !== undefined && n.id === self.id ? { ...n, clients: self.clients, maxClients: self.maxClients, subscriptions: self.subscriptions, channels: self.channels } : n))
      : self !== undefined
        ? [self]
        : [];
    this.root.dataset['source'] = clusterNodes ? 'cluster' : 'health';

    const status = health?.status ?? 'unreachable';
    this.summary.replaceChildren(
      h('span', { class: `badge health-${status === 'ok' ? 'ok' : 'bad'}`, 'data-testid': 'cluster-health', text: status }),
      h('span', { class: 'muted small', text: health ? `engine ${health.engine}` : (healthRes.error ?? '') }),
    );
    this.nodes.replaceChildren(...nodes.map((n) => nodeCard(n, self?.id)));
    const source = clusterNodes
      ? `${nodes.length} node${nodes.length === 1 ? '' : 's'} from /api/live/cluster`
      : health !== undefined
        ? 'this node only (from /api/health)'
        : 'no answer from the server';
    this.note.textContent = `${source} · updated ${timeOfDay(new Date())}`;
  }
}
