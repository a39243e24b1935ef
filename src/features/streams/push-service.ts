// Telegraf pushes: line protocol → data frames → managed-stream channels. The whole batch is parsed,
// its channels validated and checked against the org's quotas, converted and admitted before
// anything is published, so a rejected batch publishes nothing. Each frame then goes through the
// engine's atomic compare-schema-store-publish.
//
// Every bound is checked before the work it saves: [live] push_max_rows and push_max_values while
// parsing, the quotas (max_managed_streams_per_org, max_managed_channels_per_org) on the distinct
// measurements before conversion, push_max_frame_fields and push_max_values (cells) while
// converting, before any frame is laid out.

import type { Identity } from '../../auth/identity.js';
import { EngineUnavailableError } from '../../engine/engine.js';
import { convertToFrames, encodeFrame, type EncodedFrame, type FrameFormat, type MeasurementFrame } from '../../frames/index.js';
import { type BatchLimit, BatchLimitError, LineProtocolError } from '../../influx/errors.js';
import { parseLineProtocol } from '../../influx/parser.js';
import type { LineBatch, Precision } from '../../influx/types.js';
import { parseChannel } from '../../live/channel.js';
import type { LiveFacade } from '../../live/live-facade.js';
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
    private readonly node: Pick<LiveFacade, 'fullChannel' | 'pushFrame'>,
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
    let batch: LineBatch;
    try {
      batch = parseLineProtocol(body, { precision: options.precision, defaultTime: BigInt(Date.now()) * 1_000_000n, maxPoints: maxRows, maxValues });
    } catch (err) {
      return this.refuseBadInput(err);
    }
    // Channels and quotas come before conversion: a push that names more new measurements than
    // its org may have costs a pass over the names, not the frames of all of them.
    const targets = this.channelsOf(identity.orgId, streamId, batch);
    if (!(targets instanceof Map)) return targets;
    const checked = this.registry.check(identity.orgId, streamId, [...targets.values()]);
    if (!checked.ok) return this.reject(checked.limit, checked.max, checked.message);
    let frames: MeasurementFrame[];
    try {
      frames = convertToFrames(batch, options.format, { maxFieldsPerFrame: maxFrameFields, maxCells: maxValues });
    } catch (err) {
      return this.refuseBadInput(err);
    }
    // Encode and admit in the same turn as the check: no other push can take the slots between.
    const prepared: { full: string; encoded: EncodedFrame }[] = [];
    // One entry per channel (wide mode sends several frames to one channel), the last schema wins.
    const admitted = new Map<string, PushedChannel>();
    for (const { measurement, frame } of frames) {
      const { full, channel } = targets.get(measurement)!;
      const encoded = encodeFrame(frame);
      prepared.push({ full, encoded });
      admitted.set(full, { full, channel, schema: encoded.schema });
    }
    const admission = this.registry.admit(identity.orgId, streamId, [...admitted.values()]);
    if (!admission.ok) return this.reject(admission.limit, admission.max, admission.message);
    this.counters.pushes++;
    for (const { full, encoded } of prepared) {
      try {
        await this.node.pushFrame(full, { schema: encoded.schema, frame: encoded.full, data: encoded.data });
      } catch (err) {
        this.counters.failures++;
        this.log.limited('error', 'push-frame', 'Error pushing frame', { channel: full, error: err });
        if (err instanceof EngineUnavailableError) return { ok: false, status: 503, message: err.message };
        return { ok: false, status: 500, message: 'Internal Server Error' };
      }
      this.counters.frames++;
      this.registry.recordPush(full, encoded.schema);
    }
    return { ok: true, frames: prepared.length };
  }

  /** Parse and conversion failures: a bound (413/400), bad line protocol (400), or a bug (500). */
  private refuseBadInput(err: unknown): PushOutcome {
    if (err instanceof BatchLimitError) return this.reject(err.limit, err.max, err.message);
    this.counters.parseErrors++;
    if (err instanceof LineProtocolError) return { ok: false, status: 400, message: err.message };
    this.log.limited('error', 'convert', 'Error converting metrics', { error: err });
    return { ok: false, status: 500, message: 'Internal Server Error' };
  }

  /** The channel of each measurement of the batch, or a 400 for the first unusable one. */
  private channelsOf(orgId: number, streamId: string, batch: LineBatch): Map<string, { full: string; channel: string }> | PushOutcome {
    const tenant = tenantForOrg(orgId);
    const targets = new Map<string, { full: string; channel: string }>();
    for (const measurement of batch.measurements) {
      if (targets.has(measurement)) continue;
      const channel = `stream/${streamId}/${measurement}`;
      if (parseChannel(channel) === undefined) {
        this.counters.parseErrors++;
        return { ok: false, status: 400, message: `invalid channel ID: measurement "${measurement}" cannot be used in channel ${JSON.stringify(channel)}` };
      }
      targets.set(measurement, { full: this.node.fullChannel(tenant, channel), channel });
    }
    return targets;
  }
}
