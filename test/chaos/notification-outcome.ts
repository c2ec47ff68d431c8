// What the status events of one notification say: its terminal events, per channel and as a whole, and
// whether it is finished as far as its plan goes. Pure.
import type { Channel } from '@notify/schemas';
import type { StatusRecord } from './status-collector.js';
import type { Expectation, TerminalKind } from './workload.js';

export const TERMINAL: readonly TerminalKind[] = ['SENT', 'SUPPRESSED', 'FAILED', 'DEAD_LETTERED', 'DIGESTED'];
const isTerminal = (s: string): s is TerminalKind => (TERMINAL as readonly string[]).includes(s);

export interface ChannelOutcome {
  /** ROUTED events (a failover adds one per fallback provider). */
  routed: StatusRecord[];
  terminal: StatusRecord[];
}

export interface NotificationOutcome {
  accepted: number;
  deferred: number;
  /** Terminal events without a channel: the notification as a whole ended there. */
  whole: StatusRecord[];
  channels: Map<Channel, ChannelOutcome>;
}

export function outcomeOf(records: readonly StatusRecord[]): NotificationOutcome {
  const outcome: NotificationOutcome = { accepted: 0, deferred: 0, whole: [], channels: new Map() };
  const channel = (c: Channel) => {
    let o = outcome.channels.get(c);
    if (!o) outcome.channels.set(c, (o = { routed: [], terminal: [] }));
    return o;
  };
  for (const r of records) {
    if (r.status === 'ACCEPTED') outcome.accepted += 1;
    else if (r.status === 'DEFERRED') outcome.deferred += 1;
    else if (r.status === 'ROUTED' && r.channel) channel(r.channel).routed.push(r);
    else if (isTerminal(r.status)) {
      if (r.channel) channel(r.channel).terminal.push(r);
      else outcome.whole.push(r);
    }
  }
  return outcome;
}

/**
 * Finished: it ended as a whole, or every channel the plan names and every routed channel has a terminal
 * event. (A channel suppressed by preferences is terminal before the others are even routed, so the plan,
 * not the events seen so far, says which channels to wait for.)
 */
export function isComplete(outcome: NotificationOutcome, expect: Expectation): boolean {
  if (outcome.whole.length > 0) return true;
  const wanted = new Set<Channel>(Object.keys(expect.channels ?? {}) as Channel[]);
  for (const [c, o] of outcome.channels) if (o.routed.length > 0) wanted.add(c);
  if (wanted.size === 0) return false;
  return [...wanted].every((c) => (outcome.channels.get(c)?.terminal.length ?? 0) > 0);
}

/** The one terminal kind of a channel, or the kinds when they conflict. */
export function terminalKinds(records: readonly StatusRecord[]): TerminalKind[] {
  return [...new Set(records.map((r) => r.status as TerminalKind))].sort();
}
