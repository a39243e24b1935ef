// Telegraf pushes: line protocol → data frames → managed-stream channels. The whole batch is parsed,
// converted and its channels validated before anything is published, so a rejected batch publishes
// nothing. Each frame then goes through the engine's atomic compare-schema-store-publish.

import type { Identity } from '../../auth/identity.js';
import { EngineUnavailableError } from '../../engine/engine.js';
import { encodeFrame, lineProtocolToFrames, type FrameFormat } from '../../frames/index.js';
import { LineProtocolError } from '../../influx/errors.js';
import type { Precision } from '../../influx/types.js';
import { parseChannel } from '../../live/channel.js';
import type { LiveNode } from '../../live/node.js';
import { tenantForOrg } from '../../live/tenant.js';
import type { Logger } from '../../log/logger.js';
import type { ManagedStreamRegistry } from './stream-registry.js';

export interface PushOptions {
  readonly format: FrameFormat;
  readonly precision: Precision;
}

export type PushOutcome =
  | { readonly ok: true; readonly frames: number }
  | { readonly ok: false; readonly status: 400 | 500 | 503; readonly message: string };

export interface PushCounters {
  pushes: number;
  frames: number;
  parseErrors: number;
  failures: number;
}

/** A stream id must be a valid channel namespace (Grafana does not check; its channels are unsubscribable). */
export function validStreamId(streamId: string): boolean {
  return streamId.length > 0 && !streamId.includes('/') && parseChannel(`stream/${streamId}/x`) !== undefined;
}

export class PushService {
  readonly counters: PushCounters = { pushes: 0, frames: 0, parseErrors: 0, failures: 0 };

  constructor(
    private readonly node: LiveNode,
    private readonly registry: ManagedStreamRegistry,
    private readonly log: Logger,
  ) {}

  async push(identity: Identity, streamId: string, body: Buffer, options: PushOptions): Promise<PushOutcome> {
    if (!validStreamId(streamId)) return { ok: false, status: 400, message: `invalid channel ID: stream id "${streamId}"` };
    let frames;
    try {
      frames = lineProtocolToFrames(body, options.format, { precision: options.precision, defaultTime: BigInt(Date.now()) * 1_000_000n });
    } catch (err) {
      this.counters.parseErrors++;
      if (err instanceof LineProtocolError) return { ok: false, status: 400, message: err.message };
      this.log.limited('error', 'convert', 'Error converting metrics', { error: err });
      return { ok: false, status: 500, message: 'Internal Server Error' };
    }
    const tenant = tenantForOrg(identity.orgId);
    const prepared = [];
    for (const { measurement, frame } of frames) {
      const channel = `stream/${streamId}/${measurement}`;
      if (parseChannel(channel) === undefined) {
        this.counters.parseErrors++;
        return { ok: false, status: 400, message: `invalid channel ID: measurement "${measurement}" cannot be used in channel ${JSON.stringify(channel)}` };
      }
      prepared.push({ channel, full: this.node.fullChannel(tenant, channel), encoded: encodeFrame(frame) });
    }
    this.counters.pushes++;
    for (const { channel, full, encoded } of prepared) {
      try {
        await this.node.pushFrame(full, { schema: encoded.schema, frame: encoded.full, data: encoded.data });
      } catch (err) {
        this.counters.failures++;
        this.log.limited('error', 'push-frame', 'Error pushing frame', { channel: full, error: err });
        if (err instanceof EngineUnavailableError) return { ok: false, status: 503, message: err.message };
        return { ok: false, status: 500, message: 'Internal Server Error' };
      }
      this.counters.frames++;
      this.registry.recordPush(identity.orgId, full, channel, encoded.schema);
    }
    return { ok: true, frames: prepared.length };
  }
}
