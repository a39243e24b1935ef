// What the engine tests hand an engine as its event handler: a recorder of every publication, join
// and resubscribe signal, and (GapOrder) the order of one channel's deliveries and resubscribe
// signals, tallied by the harness's SeqTracker — the gap rule: every hole signalled before the next
// delivery.

import type { ClientInfo, EngineEventHandler, Publication } from '../../../src/engine/engine.js';
import { SeqTracker } from '../../../harness/gap-ledger.js';

export class RecordingEvents implements EngineEventHandler {
  readonly publications: Array<{ channel: string; publication: Publication }> = [];
  readonly joins: Array<{ channel: string; info: ClientInfo }> = [];
  readonly resubscribed: string[][] = [];
  /** What `probe` said at each onResubscribed (e.g. whether commands work yet). */
  readonly probedAtResubscribe: boolean[] = [];
  probe: (() => boolean) | undefined;

  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(channel: string, info: ClientInfo): void {
    this.joins.push({ channel, info });
  }
  onLeave(): void {}
  onResubscribed(channels: readonly string[]): void {
    this.resubscribed.push([...channels]);
    if (this.probe !== undefined) this.probedAtResubscribe.push(this.probe());
  }
  on(channel: string): Publication[] {
    return this.publications.filter((p) => p.channel === channel).map((p) => p.publication);
  }
}

/** Records the watched channel's deliveries (publication data is a sequence number) and each signal that covers it. */
export class GapOrder extends RecordingEvents {
  readonly order: Array<number | 'told'> = [];

  constructor(private readonly watched: string) {
    super();
  }

  override onPublication(channel: string, publication: Publication): void {
    super.onPublication(channel, publication);
    if (channel === this.watched) this.order.push(Number(publication.data));
  }
  override onResubscribed(channels: readonly string[]): void {
    super.onResubscribed(channels);
    if (channels.includes(this.watched)) this.order.push('told');
  }

  get delivered(): number {
    return this.order.filter((x) => x !== 'told').length;
  }
  get signals(): number {
    return this.order.filter((x) => x === 'told').length;
  }

  /** The order replayed through a SeqTracker: duplicates, late ones, signalled and silent holes. */
  tally(): SeqTracker {
    const tracker = new SeqTracker();
    for (const item of this.order) {
      if (item === 'told') tracker.signal();
      else tracker.receive(item);
    }
    return tracker;
  }
}
