// The built-in `testdata` stream plugin (Grafana's plugin/testdata/random-* streams): subscribers get
// the schema as initial data, the run sends one random-walk row per tick (data only; the flakey
// stream sends full frames). Also lists the four channels for GET /api/live/list.

import { encodeFrame } from '../../../frames/index.js';
import type { StreamPlugin, StreamRequest, SubscribeStreamResult } from '../api.js';
import { emptyTestFrame, LABEL_SETS, testFrame } from './frames.js';
import { findTestStream, TEST_STREAMS } from './streams.js';
import { runTicker } from './ticker.js';

export const TESTDATA_PLUGIN_ID = 'testdata';

/** A bounded random walk like Grafana's (start anywhere in 0–100, steps in ±0.5). */
function randomWalk(): () => number {
  let walker = Math.random() * 100;
  return () => {
    walker += Math.random() - 0.5;
    return walker;
  };
}

export function createTestDataPlugin(): StreamPlugin {
  return {
    id: TESTDATA_PLUGIN_ID,
    // The plugin id of Grafana ≥ 10, so provisioned testdata data sources (ds/<uid>/…) stream too.
    aliases: ['grafana-testdata-datasource'],

    async subscribeStream(request: StreamRequest): Promise<SubscribeStreamResult> {
      const stream = findTestStream(request.path);
      if (stream === undefined) return { status: 'not_found' };
      return { status: 'ok', initialData: { frame: emptyTestFrame(stream.labeled), include: 'schema' } };
    },

    async runStream(request, sender, signal): Promise<void> {
      const stream = findTestStream(request.path);
      if (stream === undefined) return;
      const walkers = (stream.labeled ? LABEL_SETS : ['']).map(() => randomWalk());
      // A dropping stream may lose the message carrying a schema change, so it always sends full frames.
      const include = stream.drop > 0 ? 'all' : 'data';
      await runTicker(stream.intervalMs, signal, (now) => {
        if (stream.drop > 0 && Math.random() < stream.drop) return;
        sender.sendFrame(testFrame(stream.labeled, now, walkers.map((w) => w())), include);
      });
    },

    async publishStream() {
      return { status: 'permission_denied' };
    },
  };
}

export interface ListedChannel {
  /** Unprefixed channel, e.g. "plugin/testdata/random-20Hz-stream". */
  readonly channel: string;
  /** Nominal messages per minute (Grafana hard-codes these). */
  readonly minute_rate: number;
  /** `{"schema":{…}}` of the stream's frames. */
  readonly data: unknown;
}

/** The four testdata channels for GET /api/live/list (Grafana appends them, never summed across nodes). */
export function testDataChannels(): ListedChannel[] {
  return TEST_STREAMS.map((s) => ({
    channel: `plugin/${TESTDATA_PLUGIN_ID}/${s.path}`,
    minute_rate: s.minuteRate,
    data: JSON.parse(encodeFrame(emptyTestFrame(s.labeled)).schema) as unknown,
  }));
}
