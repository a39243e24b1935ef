// The gap ledger: what happened to numbered messages between a publisher and its subscribers. Every
// message is either received exactly once, or lost in a hole that an explicit signal told the
// subscriber about (a resubscribe without recovery, a reconnect, fresh initial data, …): a signalled
// loss the client can act on. A hole without a signal is a silent loss, which must never happen.
// SeqTracker does the counting for one subscriber and channel, online (the benchmark's resilient
// clients) or over recorded events (account(), for the fault tests' centrifuge-js subscribers).

import type { Centrifuge, Subscription } from 'centrifuge';

/**
 * One subscriber's view of one channel whose messages are numbered in publish order. `expectedBetween`
 * counts the messages the subscriber should have got strictly between two numbers (default: every
 * number, for a publisher that retries each one until it is acknowledged).
 */
export class SeqTracker {
  /** The highest number received in order so far (first - 1 before any). */
  last: number;
  /** A signal arrived since the last message: a hole after it is honest. */
  signalPending = false;
  /** Received again (or, for a caller that keeps no record, at or below the last). */
  duplicates = 0;
  /** Received for the first time but below the last (out of order). */
  late = 0;
  gapsSignalled = 0;
  gapsSilent = 0;
  missedSignalled = 0;
  missedSilent = 0;

  constructor(
    private readonly expectedBetween: (after: number, before: number) => number = (after, before) => Math.max(0, before - after - 1),
    first = 1,
  ) {
    this.last = first - 1;
  }

  signal(): void {
    this.signalPending = true;
  }

  /** Message `seq` arrived; `seenBefore` when the caller records what it received (else: seq ≤ last is a repeat). */
  receive(seq: number, seenBefore?: boolean): 'duplicate' | 'late' | 'next' {
    if (seenBefore === true || (seenBefore === undefined && seq <= this.last)) {
      this.duplicates++;
      return 'duplicate';
    }
    if (seq < this.last) {
      this.late++;
      return 'late';
    }
    const missed = this.expectedBetween(this.last, seq);
    if (missed > 0 && this.signalPending) {
      this.gapsSignalled++;
      this.missedSignalled += missed;
    } else if (missed > 0) {
      this.gapsSilent++;
      this.missedSilent += missed;
    }
    this.last = seq;
    this.signalPending = false;
    return 'next';
  }

  /** The messages expected after the last one received, below `end`, and whether a signal covers them. */
  tail(end: number): { missed: number; signalled: boolean } {
    return { missed: this.expectedBetween(this.last, end), signalled: this.signalPending };
  }
}


/** What happened to one publish attempt. */
export interface Attempt {
  readonly seq: number;
  readonly node: string;
  /** HTTP status; 0 = no answer (connection refused or reset). */
  readonly status: number;
}

/** Publish attempts of one channel, numbered by `seq` in publish order. */
export class PublishLedger {
  readonly attempts: Attempt[] = [];

  constructor(readonly channel: string) {}

  record(seq: number, node: string, status: number): void {
    this.attempts.push({ seq, node, status });
  }

  get accepted(): number[] {
    return this.attempts.filter((a) => a.status === 200).map((a) => a.seq);
  }

  get rejected(): Attempt[] {
    return this.attempts.filter((a) => a.status !== 200);
  }

  /** Status → count, e.g. {200: 80, 503: 12}. */
  statusCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts) out[String(a.status)] = (out[String(a.status)] ?? 0) + 1;
    return out;
  }
}

export type ReceiverEvent =
  | { readonly kind: 'pub'; readonly seq: number }
  | { readonly kind: 'signal'; readonly what: string };

/**
 * One subscriber's view of one channel, in arrival order: publications (by seq) and every signal
 * that tells the subscriber its stream may have a hole. Without recovery that is any resubscribe
 * (unsubscribe push 2500, transport close), reconnect, or fresh initial data after a resubscribe (the
 * full frame of a stream/ channel, the last message of a broadcast). A recoverable subscriber expects
 * the resubscribe to fill the hole, so only a resubscribe that ends without `recovered: true` signals
 * a loss to it; a hole behind `recovered: true` is a silent loss.
 */
export class Receiver {
  readonly events: ReceiverEvent[] = [];
  readonly subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean; hasData: boolean }> = [];
  /** Codes of `subscribing` events after the first subscribe (2500 = server told it to resubscribe). */
  readonly resubscribeCodes: number[] = [];
  private subscribedOnce = false;

  constructor(
    readonly label: string,
    readonly node: string,
    readonly recoverable: boolean,
    sub: Subscription,
    client: Centrifuge,
    seqOf: (data: unknown) => number | undefined,
  ) {
    const signal = (what: string): void => {
      this.events.push({ kind: 'signal', what });
    };
    sub.on('publication', (ctx) => {
      const seq = seqOf(ctx.data);
      if (seq !== undefined) this.events.push({ kind: 'pub', seq });
    });
    sub.on('subscribing', (ctx) => {
      if (!this.subscribedOnce) return;
      this.resubscribeCodes.push(ctx.code);
      if (!recoverable) signal(`resubscribe ${ctx.code}`);
    });
    sub.on('subscribed', (ctx) => {
      const hasData = ctx.data !== undefined && ctx.data !== null;
      this.subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered, hasData });
      if (this.subscribedOnce) {
        if (recoverable && !(ctx.wasRecovering && ctx.recovered)) signal('not recovered');
        else if (!recoverable && hasData) signal('initial data');
      }
      this.subscribedOnce = true;
    });
    client.on('connecting', (ctx) => {
      if (this.subscribedOnce && !recoverable) signal(`reconnect ${ctx.code}`);
    });
  }

  received(): number[] {
    return this.events.filter((e): e is { kind: 'pub'; seq: number } => e.kind === 'pub').map((e) => e.seq);
  }

  has(seq: number): boolean {
    return this.events.some((e) => e.kind === 'pub' && e.seq === seq);
  }

  signals(): number {
    return this.events.filter((e) => e.kind === 'signal').length;
  }
}

export interface Accounting {
  readonly subscriber: string;
  readonly recoverable: boolean;
  /** Publish attempts (HTTP requests). */
  readonly sent: number;
  /** Acknowledged with 200. */
  readonly accepted: number;
  /** Answered with an error (503, 500, …) or not at all. */
  readonly rejected: number;
  /** Distinct accepted messages received. */
  readonly received: number;
  /** Accepted, not received, and a signal reached the subscriber after the hole. */
  readonly lostSignalled: number;
  /** Accepted, not received, and no signal covered it: must be 0. */
  readonly lostSilently: number;
  /** The same message received more than once: must be 0. */
  readonly duplicates: number;
  /** Received in a different order than published: must be 0. */
  readonly outOfOrder: number;
  /** Received although the publisher got no 200 (request in flight when something died). */
  readonly receivedUnacknowledged: number;
  readonly unacknowledgedSeqs: number[];
  /** Loss signals the subscriber got (see Receiver). */
  readonly signals: number;
  /** Resubscribes after the first subscribe (2500 pushes, transport closes). */
  readonly resubscribes: number;
}

/**
 * Checks one subscriber against the ledger. The rule: every accepted message is either received
 * exactly once, or lies in a hole of the received sequence after which (before the next received
 * message, or at the end) the subscriber got a signal. Messages published before the subscription
 * existed (seq < fromSeq) are not expected.
 */
export function account(ledger: PublishLedger, receiver: Receiver, fromSeq = 1): Accounting {
  const accepted = ledger.accepted.filter((s) => s >= fromSeq);
  const acceptedSet = new Set(accepted);
  const attempted = new Set(ledger.attempts.map((a) => a.seq));
  const seen = new Set<number>();
  // Only accepted messages are expected: a publish that got no 200 may legitimately be missing.
  const tracker = new SeqTracker((after, before) => accepted.filter((s) => s > after && s < before).length, fromSeq);
  for (const event of receiver.events) {
    if (event.kind === 'signal') tracker.signal();
    else if (event.seq >= fromSeq && attempted.has(event.seq) && tracker.receive(event.seq, seen.has(event.seq)) !== 'duplicate') seen.add(event.seq);
  }
  const tail = tracker.tail(Number.MAX_SAFE_INTEGER);
  const sent = ledger.attempts.filter((a) => a.seq >= fromSeq).length;
  const unacknowledged = [...seen].filter((s) => !acceptedSet.has(s)).sort((a, b) => a - b);
  return {
    subscriber: receiver.label,
    recoverable: receiver.recoverable,
    sent,
    accepted: accepted.length,
    rejected: sent - accepted.length,
    received: [...seen].filter((s) => acceptedSet.has(s)).length,
    lostSignalled: tracker.missedSignalled + (tail.signalled ? tail.missed : 0),
    lostSilently: tracker.missedSilent + (tail.signalled ? 0 : tail.missed),
    duplicates: tracker.duplicates,
    outOfOrder: tracker.late,
    receivedUnacknowledged: unacknowledged.length,
    unacknowledgedSeqs: unacknowledged,
    signals: receiver.signals(),
    resubscribes: receiver.resubscribeCodes.length,
  };
}

/** Prints the accounting rows as a fixed-width table on stdout (visible in the test output). */
export function printTable(title: string, rows: readonly Accounting[]): string {
  const headers = ['subscriber', 'recov', 'sent', 'accepted', 'rejected', 'received', 'lost+signalled', 'lost silently', 'dup', 'unacked recv', 'resubs', 'signals'];
  const cells = rows.map((r) => [
    r.subscriber, r.recoverable ? 'yes' : 'no', r.sent, r.accepted, r.rejected, r.received, r.lostSignalled, r.lostSilently, r.duplicates, r.receivedUnacknowledged,
    r.resubscribes, r.signals,
  ].map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]): string => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' | ');
  const text = [`\n${title}`, line(headers), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line), ''].join('\n');
  process.stdout.write(text + '\n');
  return text;
}
