// Prometheus metrics at /metrics (prom-client, own registry). Gauges and counters are read from the
// plain counters the node, engine and features keep, at scrape time only, so hot paths never call
// into prom-client. Names reuse Grafana's `grafana_live_` where Grafana has the metric, else `livehub_`.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JWKS_FETCH_RESULTS, type RemoteJwks } from '../auth/jwks-remote.js';
import type { GuardCounters } from '../http/request-guard.js';
import type { HttpRateLimiter } from '../http/rate-limiter.js';
import type { LiveNode } from '../live/node.js';
import type { EmulationCounters } from '../transport/emulation-endpoint.js';
import type { Logger } from '../log/logger.js';

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
  /** The key set of `[auth.jwt] jwk_set_url`, when configured. */
  readonly jwks?: RemoteJwks;
  /** The HTTP edge: CSRF and content-type refusals, rate limits, suppressed log lines. */
  readonly http?: { readonly guard: GuardCounters; readonly rateLimiter: HttpRateLimiter; readonly log: Logger };
  /** Memory engine: stored data held, by kind, against its budget; evictions and expirations. */
  readonly engineStorage?: () => EngineStorageStats;
  /** POST /api/live/emulation: requests by outcome, forwards waiting for other nodes. */
  readonly emulation?: EmulationCounters;
}

export interface EngineStorageStats {
  readonly budgetBytes: number;
  readonly bytesByKind: Readonly<Record<string, number>>;
  readonly itemsByKind: Readonly<Record<string, number>>;
  readonly evictions: Readonly<Record<string, number>>;
  readonly expirations: Readonly<Record<string, number>>;
}

/** A gauge labelled by one label whose values are read at scrape time. */
function labelledGauge(registry: Registry, name: string, help: string, label: string, read: () => Readonly<Record<string, number>>): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      for (const [key, value] of Object.entries(read())) this.set({ [label]: key }, value);
    },
  });
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
  gauge('livehub_unauthenticated_connections', 'WebSocket connections without a credential (not yet authenticated, or anonymous) on this node.', () => node.unauthenticated.count);
  gauge('livehub_max_unauthenticated_connections', 'The [live] max_unauthenticated_connections limit in connections (-1 no cap).', () => node.unauthenticated.maxTotal);
  gauge('livehub_engine_healthy', '1 when the engine (memory or Redis) can serve, else 0.', () => (node.health().healthy ? 1 : 0));
  gauge('livehub_redis_up', '1 when the Redis engine is connected; absent semantics for the memory engine: always 1.', () => (node.health().healthy ? 1 : 0));
  gauge('livehub_cluster_nodes', 'Nodes seen in the cluster (heartbeats), this one included.', () => node.clusterNodes().length);
  if (sources.runStreams !== undefined) gauge('livehub_run_streams', 'Plugin RunStreams running on this node.', sources.runStreams);
  new Gauge({
    name: 'livehub_live_connections',
    help: 'Live connections on this node by transport (websocket, http_stream, sse) and codec (json, protobuf).',
    labelNames: ['transport', 'codec'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, value] of Object.entries(node.connectionsByKind())) {
        const [transport = '', codec = ''] = kind.split(' ');
        this.set({ transport, codec }, value);
      }
    },
  });
  if (sources.emulation !== undefined) {
    const emulation = sources.emulation;
    mirroredCounter(registry, 'livehub_live_emulation_requests_total', 'POST /api/live/emulation requests by outcome: delivered (to a session of this node), forwarded (to the session\'s node through the engine), unknown_session, unknown_node, wrong_codec, bad_request, too_large, forbidden, busy (over [live] emulation_max_forwards).', ['outcome'], () =>
      byLabel('outcome', emulation.outcomes));
    gauge('livehub_live_emulation_forwards_pending', 'Emulation requests of this node waiting for another node now (at most [live] emulation_max_forwards).', () => emulation.pendingForwards);
  }

  const c = node.counters;
  mirroredCounter(registry, 'livehub_messages_published_total', 'Publications accepted for fan-out, by channel scope.', ['scope'], () => byLabel('scope', c.published));
  mirroredCounter(registry, 'livehub_messages_received_total', 'Publications received from the engine, by channel scope.', ['scope'], () => byLabel('scope', c.received));
  mirroredCounter(registry, 'livehub_messages_delivered_total', 'Publications written to client sockets, by channel scope.', ['scope'], () => byLabel('scope', c.delivered));
  mirroredCounter(registry, 'grafana_live_client_num_server_disconnects', 'Connections closed by the server, by disconnect code.', ['code'], () => byLabel('code', c.disconnects));
  mirroredCounter(registry, 'grafana_live_client_num_reply_errors', 'Error replies sent to clients, by protocol code.', ['code'], () => byLabel('code', c.replyErrors));
  mirroredCounter(registry, 'livehub_connections_accepted_total', 'WebSocket connections accepted.', [], () => [[{}, c.connectionsAccepted]]);
  mirroredCounter(registry, 'livehub_connection_limit_rejections_total', 'Connections closed with 3504 because of max_connections.', [], () => [[{}, c.connectionLimitRejections]]);
  mirroredCounter(registry, 'livehub_unauthenticated_rejections_total', 'Connections without a credential refused: limit="node" (max_unauthenticated_connections, close 3504), limit="address" (max_unauthenticated_connections_per_ip, HTTP 429).', ['limit'], () => [
    [{ limit: 'node' }, node.unauthenticated.rejectedByNodeLimit],
    [{ limit: 'address' }, node.unauthenticated.rejectedByAddressLimit],
  ]);
  mirroredCounter(registry, 'livehub_credential_changes_total', 'API token revocations or changes acted on (their sessions closed), by where they were noticed: source="local" (this node\'s token file) or "remote" (another node, via the engine).', ['source'], () => byLabel('source', c.credentialChanges));
  mirroredCounter(registry, 'livehub_credential_notify_failures_total', 'Revocations that could not be sent to the other nodes (engine unavailable).', [], () => [[{}, c.credentialNotifyFailures]]);
  mirroredCounter(registry, 'livehub_origin_rejections_total', 'WebSocket upgrades rejected by the origin check.', [], () => [[{}, c.originRejections]]);
  mirroredCounter(registry, 'livehub_slow_client_closes_total', 'Clients closed with 3008 because their queue exceeded client_queue_max_size.', [], () => [[{}, c.slowClientCloses]]);
  mirroredCounter(registry, 'livehub_publish_failures_total', 'Publishes rejected because the engine could not take them.', [], () => [[{}, c.publishFailures]]);
  mirroredCounter(registry, 'livehub_join_leave_suppressed_total', 'Join/leave pushes suppressed because the channel had more than join_leave_max_subscribers local subscribers: not published (stage="publish") or received but not pushed (stage="deliver").', ['stage'], () => [
    [{ stage: 'publish' }, c.joinLeaveNotPublished],
    [{ stage: 'deliver' }, c.joinLeaveNotDelivered],
  ]);
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
  if (sources.jwks !== undefined) {
    const jwks = sources.jwks;
    mirroredCounter(registry, 'livehub_jwks_fetches_total', 'Requests to [auth.jwt] jwk_set_url, by result (ok, timeout, http, too_large, network, invalid, token_file).', ['result'], () =>
      JWKS_FETCH_RESULTS.map((result) => [{ result }, jwks.counters.fetches[result]]));
    mirroredCounter(registry, 'livehub_jwks_refetches_suppressed_total', 'Tokens with an unknown kid that caused no JWKS request because of jwk_set_refetch_cooldown.', [], () =>
      [[{}, jwks.counters.refetchesSuppressed]]);
    gauge('livehub_jwks_keys', 'Signing keys currently held from jwk_set_url (the last good response).', () => jwks.keys.length);
  }
  if (sources.http !== undefined) {
    const { guard, rateLimiter, log } = sources.http;
    const limited = rateLimiter.counters;
    mirroredCounter(registry, 'livehub_http_rate_limited_total', 'HTTP requests answered 429 by [http_rate_limit], by route group, caller class (identity or anonymous address) and limit (requests or bytes).', ['route', 'caller', 'limit'], () =>
      [...limited.rejected].map(([label, value]) => {
        const [route = '', caller = '', limit = ''] = label.split(' ');
        return [{ route, caller, limit }, value];
      }));
    mirroredCounter(registry, 'livehub_http_rate_limit_evictions_total', 'Rate-limit buckets dropped because [http_rate_limit] max_keys was reached.', [], () => [[{}, limited.evictions]]);
    gauge('livehub_http_rate_limit_keys', 'Rate-limit buckets held (bounded by [http_rate_limit] max_keys; refilled buckets are dropped).', () => rateLimiter.size);
    mirroredCounter(registry, 'livehub_http_csrf_rejections_total', 'HTTP requests refused with 403 by the CSRF check ([security] csrf_*).', [], () => [[{}, guard.csrfRejections]]);
    mirroredCounter(registry, 'livehub_http_content_type_rejections_total', 'Requests to JSON APIs refused with 415 for a non-JSON content type.', [], () => [[{}, guard.contentTypeRejections]]);
    mirroredCounter(registry, 'livehub_log_lines_suppressed_total', 'Repeated log lines held back by [log] repeat_interval (reported as counts).', [], () => [[{}, log.suppressedLines()]]);
  }
  if (sources.engineStorage !== undefined) {
    const storage = sources.engineStorage;
    gauge('livehub_engine_memory_budget_bytes', 'The memory engine\'s budget for stored data ([live] memory_engine_budget, after the heap cap).', () => storage().budgetBytes);
    labelledGauge(registry, 'livehub_engine_memory_bytes', 'Bytes of stored data the memory engine holds, by kind (history, history_meta, value, frame).', 'kind', () => storage().bytesByKind);
    labelledGauge(registry, 'livehub_engine_memory_items', 'Items of stored data the memory engine holds, by kind.', 'kind', () => storage().itemsByKind);
    mirroredCounter(registry, 'livehub_engine_memory_evictions_total', 'Stored items the memory engine evicted, oldest first, because memory_engine_budget was reached, by kind.', ['kind'], () =>
      Object.entries(storage().evictions).map(([kind, value]) => [{ kind }, value]));
    mirroredCounter(registry, 'livehub_engine_memory_expirations_total', 'Stored items the memory engine dropped because their TTL passed, by kind.', ['kind'], () =>
      Object.entries(storage().expirations).map(([kind, value]) => [{ kind }, value]));
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
