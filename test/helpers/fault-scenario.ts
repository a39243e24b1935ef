// The common frame of the Redis fault tests (test/integration/ha-*.test.ts): on every node one
// centrifuge client subscribes a recoverable broadcast channel, a plain one and a managed stream;
// after the fault, deliveries settle and each subscriber is accounted against its channel's ledger
// (harness/gap-ledger.ts: account, printTable), with the publish statuses by phase and what is
// missing printed.

import assert from 'node:assert/strict';
import type { Subscription } from 'centrifuge';
import { connected, newClient, subscribed } from './centrifuge.js';
import { account, printTable, Receiver, type Accounting, type PublishLedger } from '../../harness/gap-ledger.js';
import type { LivehubNode } from '../../harness/livehub.js';
import { waitUntil } from '../../harness/wait.js';
import { broadcastSeq, frameSeq, health, type Traffic } from './cluster.js';

export type ChannelKind = 'rec' | 'plain' | 'stream';

export interface FaultChannels {
  /** Unprefixed broadcast channel subscribed with `recoverable: true`. */
  readonly rec: string;
  /** Unprefixed broadcast channel subscribed without recovery. */
  readonly plain: string;
  readonly stream: { readonly streamId: string; readonly measurement: string };
}

export interface FaultSubscribers {
  readonly receivers: Receiver[];
  readonly subs: Subscription[];
  kindOf(receiver: Receiver): ChannelKind;
}

/** One client per node subscribing the three channels (receivers labelled `<node> rec|plain|stream`). */
export async function subscribeOnEveryNode(nodes: readonly LivehubNode[], channels: FaultChannels): Promise<FaultSubscribers> {
  const receivers: Receiver[] = [];
  const subs: Subscription[] = [];
  const kinds = new Map<Receiver, ChannelKind>();
  const { rec, plain, stream } = channels;
  for (const node of nodes) {
    const c = newClient(node.wsUrl);
    await connected(c);
    const list: Array<[ChannelKind, string, (d: unknown) => number | undefined]> = [
      ['rec', `1/${rec}`, broadcastSeq],
      ['plain', `1/${plain}`, broadcastSeq],
      ['stream', `1/stream/${stream.streamId}/${stream.measurement}`, frameSeq],
    ];
    for (const [kind, channel, seqOf] of list) {
      const recoverable = kind === 'rec';
      const sub = c.newSubscription(channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000, ...(recoverable ? { recoverable: true } : {}) });
      const receiver = new Receiver(`${node.name} ${kind}`, node.name, recoverable, sub, c, seqOf);
      kinds.set(receiver, kind);
      receivers.push(receiver);
      subs.push(sub);
      await subscribed(sub);
    }
  }
  return { receivers, subs, kindOf: (r) => kinds.get(r)! };
}

/**
 * After the fault: every node healthy again, every subscriber told to resubscribe (2500) and
 * subscribed again, then 20 more publish rounds in the phase `after`.
 */
export async function recoverAndContinue(nodes: readonly LivehubNode[], subscribers: FaultSubscribers, traffic: Traffic): Promise<void> {
  for (const node of nodes) await waitUntil(async () => (await health(node)).status === 200, `${node.name} healthy again`, 20_000);
  await waitUntil(() => subscribers.receivers.every((r) => r.resubscribeCodes.includes(2500)), 'every subscriber told to resubscribe (2500)', 20_000, 20);
  await waitUntil(() => subscribers.subs.every((s) => s.state === 'subscribed'), 'every subscription back', 15_000, 20);
  traffic.phase = 'after';
  await traffic.rounds(20);
}

/** The ledger a receiver is accounted against. */
export function ledgerFor(traffic: Traffic, kind: ChannelKind): PublishLedger {
  return kind === 'rec' ? traffic.recoverable : kind === 'plain' ? traffic.plain : traffic.stream!;
}

/** Waits (bounded) for deliveries to settle, then accounts and prints every subscriber. */
export async function settleAndAccount(title: string, traffic: Traffic, receivers: readonly Receiver[], ledgerOf: (r: Receiver) => PublishLedger, note = ''): Promise<Accounting[]> {
  await waitUntil(() => receivers.every((r) => {
    const accepted = ledgerOf(r).accepted;
    return r.recoverable ? accepted.every((s) => r.has(s)) : r.has(accepted[accepted.length - 1]!);
  }), 'deliveries to settle', 10_000, 50).catch(() => undefined); // the accounting below names what is missing
  const rows = receivers.map((r) => account(ledgerOf(r), r));
  printTable(title, rows);
  process.stdout.write(`publish status by phase:\n${traffic.ledgers.map((l) => `  ${l.channel}: ${JSON.stringify(traffic.statusByPhase(l))}`).join('\n')}\n${note}`);
  for (const r of receivers) {
    const missing = ledgerOf(r).accepted.filter((s) => !r.has(s));
    if (missing.length > 0) process.stdout.write(`  ${r.label}: accepted but not received: ${missing.length > 12 ? `${missing.slice(0, 12).join(',')},… (${missing.length})` : missing.join(',')}\n`);
  }
  return rows;
}


/**
 * Acknowledged means kept for recovery: every recoverable subscriber has each publication its
 * channel answered 200 (live or recovered). Subscribers without recovery are not held to it — PUB/SUB
 * is at most once — their losses must be signalled, which the accounting checks.
 */
export function assertRecoverableGotEveryAccepted(receivers: readonly Receiver[], ledgerOf: (r: Receiver) => PublishLedger): void {
  for (const r of receivers.filter((x) => x.recoverable)) {
    const missing = ledgerOf(r).accepted.filter((s) => !r.has(s));
    assert.deepEqual(missing, [], `${r.label}: publishes acknowledged with 200 that did not arrive`);
  }
}
