// The channel handler of `plugin/…` and `ds/…`: subscribe asks the plugin (presence on, the plugin's
// initial data as subscribe data) and, once the subscription is live, submits the node's run;
// publish asks the plugin and hands its data to the edge, which publishes it cluster-wide.

import type { ChannelHandler, PublishRequestContext, PublishResult, SubscribeRequestContext, SubscribeResult } from '../../live/handlers.js';
import { encodeFrame } from '../../frames/index.js';
import type { InitialData, StreamStatus } from './api.js';
import type { RunStreamManager } from './run-manager.js';
import type { StreamTargets } from './targets.js';

const STATUSES: ReadonlySet<string> = new Set<StreamStatus>(['ok', 'not_found', 'permission_denied']);

/** A plugin is JavaScript too: an unknown status is a plugin bug, answered as an internal error. */
function checkedStatus(status: unknown, call: string): StreamStatus {
  if (typeof status !== 'string' || !STATUSES.has(status)) throw new Error(`${call} returned an unknown status ${JSON.stringify(status)}`);
  return status as StreamStatus;
}

export function encodeInitialData(initial: InitialData | undefined): string | undefined {
  if (initial === undefined) return undefined;
  if ('frame' in initial) {
    const encoded = encodeFrame(initial.frame);
    const include = initial.include ?? 'all';
    return include === 'schema' ? encoded.schema : include === 'data' ? encoded.data : encoded.full;
  }
  return JSON.stringify(initial.json);
}

export class PluginStreamHandler implements ChannelHandler {
  constructor(
    private readonly targets: StreamTargets,
    private readonly runs: RunStreamManager,
  ) {}

  async onSubscribe(request: SubscribeRequestContext): Promise<SubscribeResult> {
    const target = this.targets.resolve(request);
    if (target.status !== 'ok') return { status: target.status };
    const result = await target.plugin.subscribeStream({ context: target.context, path: request.address.path, data: request.data });
    const status = checkedStatus(result.status, `${target.plugin.id}.subscribeStream`);
    if (status !== 'ok') return { status };
    const data = encodeInitialData(result.initialData);
    return data === undefined ? { status, presence: true } : { status, presence: true, data };
  }

  /** After the subscribe reply: the first local subscriber's identity and data drive the run. */
  onLocalSubscribe(request: SubscribeRequestContext): void {
    const { identity, tenant, address } = request;
    this.runs.submit(request.fullChannel, {
      path: address.path,
      data: request.data,
      resolve: () => {
        const target = this.targets.resolve({ identity, tenant, address });
        return target.status === 'ok' ? target : undefined;
      },
    });
  }

  async onPublish(request: PublishRequestContext): Promise<PublishResult> {
    const target = this.targets.resolve(request);
    if (target.status !== 'ok') return { status: target.status };
    const result = await target.plugin.publishStream({ context: target.context, path: request.address.path, data: request.data });
    const status = checkedStatus(result.status, `${target.plugin.id}.publishStream`);
    if (status !== 'ok' || result.data === undefined) return { status };
    return { status, data: JSON.stringify(result.data) };
  }
}
