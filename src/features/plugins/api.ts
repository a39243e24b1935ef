// The stream-plugin API (Grafana SDK backend/stream.go in TypeScript): subscribeStream decides who
// may subscribe and what they get first, runStream produces data for the channel's subscribers on
// this node, publishStream handles client publishes. Plugins see identity, org, path, data and data source.

import type { Identity } from '../../auth/identity.js';
import type { DataFrame } from '../../frames/index.js';

export type StreamStatus = 'ok' | 'not_found' | 'permission_denied';

/** Which parts of a frame go on the wire (SDK data.FrameInclude). */
export type FrameInclude = 'all' | 'schema' | 'data';

/** A data source as provisioned (Grafana's datasource settings, without secrets). */
export interface DataSourceSettings {
  readonly uid: string;
  readonly name: string;
  /** The plugin serving it (matches a StreamPlugin id or alias). */
  readonly type: string;
  readonly orgId: number;
  readonly url: string;
  readonly jsonData: Readonly<Record<string, unknown>>;
  /** Secrets from the provisioning file (`secureJsonData`), in clear text: never send them to clients. */
  readonly secureJsonData: Readonly<Record<string, string>>;
  /** Changes whenever the definition changes (epoch ms); running streams restart on change. */
  readonly updated: number;
}

export interface PluginContext {
  readonly pluginId: string;
  readonly orgId: number;
  /** The user whose subscription (or publish) the call serves; for runStream the first subscriber. */
  readonly identity: Identity;
  /** Present for `ds/<uid>/…` channels. */
  readonly dataSource?: DataSourceSettings;
}

export interface StreamRequest {
  readonly context: PluginContext;
  /** The channel path after `plugin/<id>/` or `ds/<uid>/`. */
  readonly path: string;
  /** Subscribe: the client's subscribe data; run: the first subscriber's; publish: the published JSON. */
  readonly data: unknown;
}

/** Initial data for a subscriber: a frame (with the parts to send) or any JSON value. */
export type InitialData =
  | { readonly frame: DataFrame; readonly include?: FrameInclude }
  | { readonly json: unknown };

export interface SubscribeStreamResult {
  readonly status: StreamStatus;
  readonly initialData?: InitialData;
}

export interface PublishStreamResult {
  readonly status: StreamStatus;
  /** JSON published cluster-wide when status is ok; absent = nothing is published. */
  readonly data?: unknown;
}

/** Output of a run; goes to this node's subscribers of the channel only. */
export interface StreamSender {
  /** Sends a frame (`include` defaults to 'all': schema and data). */
  sendFrame(frame: DataFrame, include?: FrameInclude): void;
  /** Sends any JSON-serialisable value. */
  sendJSON(value: unknown): void;
}

export interface StreamPlugin {
  /** Plugin id: the `<pluginId>` of `plugin/<pluginId>/…` and the data-source type it serves. */
  readonly id: string;
  /** Further data-source types this plugin serves (e.g. an older plugin id). */
  readonly aliases?: readonly string[];
  subscribeStream(request: StreamRequest): Promise<SubscribeStreamResult>;
  /**
   * Produces data until `signal` aborts (then it should return promptly). Throwing restarts it
   * with back-off; returning while not aborted ends the stream (subscribers get unsubscribe 2000).
   */
  runStream(request: StreamRequest, sender: StreamSender, signal: AbortSignal): Promise<void>;
  publishStream(request: StreamRequest): Promise<PublishStreamResult>;
}
