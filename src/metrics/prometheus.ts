// Prometheus metrics at /metrics (prom-client, own registry). Gauges and counters are read from the
// plain counters the node, engine and features keep, at scrape time only, so hot paths never call
// into prom-client. Names reuse Grafana's `grafana_live_` where Grafana has the metric, else `livehub_`.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LiveNode } from '../live/node.js';

export interface MetricSources {
  readonly node: LiveNode;
  /** Managed-stream push counters (Telegraf). */
  readonly push?: () => { pushes: number; frames: number; parseErrors: number; failures: number; rejections: Readonly<Record<string, number>> };
  /** Managed-stream registry of this node: channels and (org, stream) pairs held, idle evictions. */
  readonly managedStreams?: () => { channels: number; streams: number; evictions: number };
  /** Engine-specific counters (Redis: resubscribes, undecodable messages). */
  readonly engineCounters?: () => Record<string, number>;
  /** Number of plugin RunStreams running on this node. */
  readonly runStreams?: () => number;
}

/** A counter whose value is copied from a monotonic source at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => Array<[Record<string, string>, number]>): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const delta = value - (last.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        last.set(key, value);
      }
    },
  });
}

function byLabel(label: string, map: ReadonlyMap<string, number>): Array<[Record<string, string>, number]> {
  return [...map].map(([key, value]) => [{ [label]: key }, value]);
}

export function createMetricsRegistry(sources: MetricSources): Registry {
  const registry = new Registry();
  const { node } = sources;
  registry.setDefaultLabels({ node: node.options.nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'livehub_process_' });

  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('grafana_live_node_num_clients', 'Connected clients on this node.', () => node.stats().numClients);
  gauge('grafana_live_node_num_users', 'Distinct users connected to this node.', () => node.stats().numUsers);
  gauge('grafana_live_node_num_subscriptions', 'Client subscriptions on this node.', () => node.stats().numSubscriptions);
  gauge('grafana_live_node_num_channels', 'Channels with at least one subscriber on this node.', () => node.stats().numChannels);
  gauge('livehub_max_connections', 'The [live] max_connections limit (-1 unlimited).', () => node.options.maxConnections);
  gauge('livehub_engine_healthy', '1 when the engine (memory or Redis) can serve, else 0.', () => (node.engine.health().healthy ? 1 : 0));
  gauge('livehub_redis_up', '1 when the Redis engine is connected; absent semantics for the memory engine: always 1.', () => (node.engine.health().healthy ? 1 : 0));
  gauge('livehub_cluster_nodes', 'Nodes seen in the cluster (heartbeats), this one included.', () => node.engine.cluster.nodes().length);
  if (sources.runStreams !== undefined) gauge('livehub_run_streams', 'Plugin RunStreams running on this node.', sources.runStreams);

  const c = node.counters;
  mirroredCounter(registry, 'livehub_messages_published_total', 'Publications accepted for fan-out, by channel scope.', ['scope'], () => byLabel('scope', c.published));
  mirroredCounter(registry, 'livehub_messages_received_total', 'Publications received from the engine, by channel scope.', ['scope'], () => byLabel('scope', c.received));
  mirroredCounter(registry, 'livehub_messages_delivered_total', 'Publications written to client sockets, by channel scope.', ['scope'], () => byLabel('scope', c.delivered));
  mirroredCounter(registry, 'grafana_live_client_num_server_disconnects', 'Connections closed by the server, by disconnect code.', ['code'], () => byLabel('code', c.disconnects));
  mirroredCounter(registry, 'grafana_live_client_num_reply_errors', 'Error replies sent to clients, by protocol code.', ['code'], () => byLabel('code', c.replyErrors));
  mirroredCounter(registry, 'livehub_connections_accepted_total', 'WebSocket connections accepted.', [], () => [[{}, c.connectionsAccepted]]);
  mirroredCounter(registry, 'livehub_connection_limit_rejections_total', 'Connections closed with 3504 because of max_connections.', [], () => [[{}, c.connectionLimitRejections]]);
  mirroredCounter(registry, 'livehub_origin_rejections_total', 'WebSocket upgrades rejected by the origin check.', [], () => [[{}, c.originRejections]]);
  mirroredCounter(registry, 'livehub_slow_client_closes_total', 'Clients closed with 3008 because their queue exceeded client_queue_max_size.', [], () => [[{}, c.slowClientCloses]]);
  mirroredCounter(registry, 'livehub_publish_failures_total', 'Publishes rejected because the engine could not take them.', [], () => [[{}, c.publishFailures]]);
  mirroredCounter(registry, 'livehub_resynchronised_subscriptions_total', 'Subscriptions told to resubscribe (2500) after an engine feed interruption.', [], () => [[{}, c.resynchronisedSubscriptions]]);
  if (sources.push !== undefined) {
    const push = sources.push;
    mirroredCounter(registry, 'livehub_push_batches_total', 'Line-protocol batches accepted (HTTP and WebSocket).', [], () => [[{}, push().pushes]]);
    mirroredCounter(registry, 'livehub_push_frames_total', 'Data frames published from pushes.', [], () => [[{}, push().frames]]);
    mirroredCounter(registry, 'livehub_push_parse_errors_total', 'Push batches rejected as malformed (400).', [], () => [[{}, push().parseErrors]]);
    mirroredCounter(registry, 'livehub_push_failures_total', 'Push batches that failed in the engine (503/500).', [], () => [[{}, push().failures]]);
    mirroredCounter(registry, 'livehub_push_rejections_total', 'Push batches refused by a size bound (rows, values, frame_fields: 413/400) or an org quota (streams, channels: 403); nothing of them was published.', ['limit'], () =>
      Object.entries(push().rejections).map(([limit, value]) => [{ limit }, value]));
  }
  if (sources.managedStreams !== undefined) {
    const streams = sources.managedStreams;
    gauge('livehub_managed_stream_channels', 'Managed-stream channels in this node\'s registry (all orgs).', () => streams().channels);
    gauge('livehub_managed_streams', 'Managed streams (org and stream id) in this node\'s registry.', () => streams().streams);
    mirroredCounter(registry, 'livehub_managed_stream_evictions_total', 'Managed-stream channels dropped from the registry after managed_stream_idle_timeout without a push.', [], () => [[{}, streams().evictions]]);
  }
  if (sources.engineCounters !== undefined) {
    const read = sources.engineCounters;
    mirroredCounter(registry, 'livehub_engine_events_total', 'Engine events (Redis: resubscribes, undecodable messages, messages held back until subscribers were told to resubscribe).', ['event'], () =>
      Object.entries(read()).map(([event, value]) => [{ event }, value]));
  }
  const roundTrip = new Histogram({
    name: 'livehub_publish_roundtrip_seconds',
    help: 'Time from handing a publication to the engine until the engine acknowledged it.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  node.on('publishRoundTrip', (seconds) => roundTrip.observe(seconds));
  return registry;
}
