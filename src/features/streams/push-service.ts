// Telegraf pushes: line protocol → data frames → managed-stream channels. The whole batch is parsed,
// converted, its channels validated and admitted by the org's quotas before anything is published,
// so a rejected batch publishes nothing. Each frame then goes through the engine's atomic
// compare-schema-store-publish.
//
// Size bounds ([live] push_max_rows, push_max_values, push_max_frame_fields) are checked while
// parsing and converting, before the work a bigger batch would cost; the per-org quotas
// (max_managed_streams_per_org, max_managed_channels_per_org) by the registry's admission.

import type { Identity } from '../../auth/identity.js';
import { EngineUnavailableError } from '../../engine/engine.js';
import { encodeFrame, lineProtocolToFrames, type EncodedFrame, type FrameFormat } from '../../frames/index.js';
import { type BatchLimit, BatchLimitError, LineProtocolError } from '../../influx/errors.js';
import type { Precision } from '../../influx/types.js';
import { parseChannel } from '../../live/channel.js';
import type { LiveNode } from '../../live/node.js';
import { tenantForOrg } from '../../live/tenant.js';
import type { Logger } from '../../log/logger.js';
import type { ManagedStreamRegistry, PushedChannel } from './stream-registry.js';

export interface PushOptions {
  readonly format: FrameFormat;
  readonly precision: Precision;
}

export interface PushLimits {
  /** [live] push_max_rows: lines per push. */
  readonly maxRows: number;
  /** [live] push_max_frame_fields: fields per frame. */
  readonly maxFrameFields: number;
  /** [live] push_max_values: tag/field pairs, and frame cells, per push. */
  readonly maxValues: number;
}

export type PushOutcome =
  | { readonly ok: true; readonly frames: number }
  | { readonly ok: false; readonly status: 400 | 403 | 413 | 500 | 503; readonly message: string };

/** Every bound a push can be refused for: its size, or its org's quotas. */
export type PushRejection = BatchLimit | 'streams' | 'channels';

/** Answer and config key of each bound. */
const REJECTIONS: Readonly<Record<PushRejection, { status: 400 | 403 | 413; key: string }>> = {
  rows: { status: 413, key: 'push_max_rows' },
  values: { status: 413, key: 'push_max_values' },
  frame_fields: { status: 400, key: 'push_max_frame_fields' },
  streams: { status: 403, key: 'max_managed_streams_per_org' },
  channels: { status: 403, key: 'max_managed_channels_per_org' },
};

export interface PushCounters {
  pushes: number;
  frames: number;
  parseErrors: number;
  failures: number;
  /** Pushes refused by a size bound or quota, by bound. */
  rejections: Record<PushRejection, number>;
}

/** A stream id must be a valid channel namespace (Grafana does not check; its channels are unsubscribable). */
export function validStreamId(streamId: string): boolean {
  return streamId.length > 0 && !streamId.includes('/') && parseChannel(`stream/${streamId}/x`) !== undefined;
}

export class PushService {
  readonly counters: PushCounters = {
    pushes: 0,
    frames: 0,
    parseErrors: 0,
    failures: 0,
    rejections: { rows: 0, values: 0, frame_fields: 0, streams: 0, channels: 0 },
  };

  constructor(
    private readonly node: LiveNode,
    private readonly registry: ManagedStreamRegistry,
    private readonly limits: PushLimits,
    private readonly log: Logger,
  ) {}

  private reject(limit: PushRejection, max: number, message: string): PushOutcome {
    this.counters.rejections[limit]++;
    const { status, key } = REJECTIONS[limit];
    return { ok: false, status, message: `${message}: limit ${max}, [live] ${key}` };
  }

  async push(identity: Identity, streamId: string, body: Buffer, options: PushOptions): Promise<PushOutcome> {
    if (!validStreamId(streamId)) return { ok: false, status: 400, message: `invalid channel ID: stream id "${streamId}"` };
    const { maxRows, maxFrameFields, maxValues } = this.limits;
    let frames;
    try {
      frames = lineProtocolToFrames(
        body,
        options.format,
        { precision: options.precision, defaultTime: BigInt(Date.now()) * 1_000_000n, maxPoints: maxRows, maxValues },
        { maxFieldsPerFrame: maxFrameFields, maxCells: maxValues },
      );
    } catch (err) {
      if (err instanceof BatchLimitError) return this.reject(err.limit, err.max, err.message);
      this.counters.parseErrors++;
      if (err instanceof LineProtocolError) return { ok: false, status: 400, message: err.message };
      this.log.error('Error converting metrics', { error: err });
      return { ok: false, status: 500, message: 'Internal Server Error' };
    }
    const tenant = tenantForOrg(identity.orgId);
    const prepared: { full: string; encoded: EncodedFrame }[] = [];
    // One entry per channel (wide mode sends several frames to one channel), the last schema wins.
    const channels = new Map<string, PushedChannel>();
    for (const { measurement, frame } of frames) {
      const channel = `stream/${streamId}/${measurement}`;
      if (parseChannel(channel) === undefined) {
        this.counters.parseErrors++;
        return { ok: false, status: 400, message: `invalid channel ID: measurement "${measurement}" cannot be used in channel ${JSON.stringify(channel)}` };
      }
      const full = this.node.fullChannel(tenant, channel);
      const encoded = encodeFrame(frame);
      prepared.push({ full, encoded });
      channels.set(full, { full, channel, schema: encoded.schema });
    }
    const admission = this.registry.admit(identity.orgId, streamId, [...channels.values()]);
    if (!admission.ok) return this.reject(admission.limit, admission.max, admission.message);
    this.counters.pushes++;
    for (const { full, encoded } of prepared) {
      try {
        await this.node.pushFrame(full, { schema: encoded.schema, frame: encoded.full, data: encoded.data });
      } catch (err) {
        this.counters.failures++;
        this.log.error('Error pushing frame', { channel: full, error: err });
        if (err instanceof EngineUnavailableError) return { ok: false, status: 503, message: err.message };
        return { ok: false, status: 500, message: 'Internal Server Error' };
      }
      this.counters.frames++;
      this.registry.recordPush(full, encoded.schema);
    }
    return { ok: true, frames: prepared.length };
  }
}
