// The run's verdict, from the status events (notify.status.v1, read committed), the providers' receipts,
// the MongoDB timelines and the fault log. Pure.
//
// Fails the run: an accepted notification without a terminal state on a channel (loss), a SENT no provider
// has (loss), conflicting or repeated real terminal states (duplicate), a provider that got the same
// (notification, channel) twice where no crash explains it (duplicate), a delivery whose channel ended
// other than SENT, an outcome the plan rules out (e.g. an opted-out channel sent), a receipt or
// notification the run cannot account for, a terminal event missing from the MongoDB timeline once the
// status tracker has read everything, a digested notification in two digests or missing from the item list
// of the digest it names. Each digest the run's items ended in is checked like a planned notification.
//
// Reported, not failed: a provider duplicate in the crash window — the sender was killed (or its ledger
// store was restarting) between the provider's acceptance and the ledger write. Without an idempotency
// key at the provider that second copy cannot be prevented; DESIGN.md asks for it to be measured.
// Also reported: notifications planned SENT that ended FAILED/DEAD_LETTERED with a reason (the faults
// exhausted their retries), re-accepted notifications and SENT events the ledger marked as duplicates.
import type { Channel } from '@notify/schemas';
import { DIGEST_SCENARIO, digestMembershipFindings, withDigests } from './digests.js';
import type { FaultEvent } from './fault-supervisor.js';
import { isComplete, outcomeOf, TERMINAL, terminalKinds } from './notification-outcome.js';
import type { Receipt } from './provider-receipts.js';
import type { StatusRecord } from './status-collector.js';
import type { PlannedNotification, TerminalKind, Workload } from './workload.js';

export interface VerifyInput {
  workload: Workload;
  /** Keys of requests the load generator saw accepted. */
  acceptedKeys: ReadonlySet<string>;
  statuses: ReadonlyMap<string, readonly StatusRecord[]>;
  receipts: readonly Receipt[];
  /** Terminal events in the MongoDB timelines, as timelineKey(); undefined to skip that check. */
  timeline?: ReadonlySet<string>;
  /**
   * The status tracker has read every status event of the run. When it has not (it is still behind),
   * events missing from the timelines are counted as not yet recorded rather than as gaps.
   */
  timelineFinal?: boolean;
  faults: readonly FaultEvent[];
  crashWindowMs: number;
}

export interface Finding {
  notificationId: string;
  channel?: Channel | null;
  scenario?: string;
  detail: string;
}

export type DuplicateCause = 'sender-killed' | 'ledger-store-restart' | 'unexplained';

export interface ProviderDuplicate {
  notificationId: string;
  channel: Channel;
  scenario?: string;
  providers: string[];
  copies: number;
  /** Milliseconds between the first and the last copy. */
  spreadMs: number;
  /** When each copy reached its provider (ISO 8601), to find them in the services' logs. */
  receivedAt: string[];
  cause: DuplicateCause;
  /** The fault that explains it. */
  fault?: string;
  /** Every copy carried the same Message-ID / Idempotency-Key, so a receiver honouring it drops the repeat. */
  deduplicableByReceiver: boolean;
}

export interface ScenarioSummary {
  notifications: number;
  complete: number;
  terminal: Record<string, number>;
}

export interface VerifyResult {
  /** Notifications of accepted requests. */
  accepted: number;
  /** Notifications seen in the pipeline whose request the client never saw accepted. */
  acceptedUnconfirmed: number;
  /** Channel outcomes plus whole-notification outcomes, by terminal state. */
  terminal: Record<TerminalKind, number>;
  byScenario: Record<string, ScenarioSummary>;
  losses: Finding[];
  duplicates: Finding[];
  providerDuplicates: ProviderDuplicate[];
  wrongOutcomes: Finding[];
  deliveredNotSent: Finding[];
  unmatchedReceipts: string[];
  unexpectedNotifications: string[];
  timelineGaps: Finding[];
  /** Digests the run's digested notifications ended in. */
  digests: number;
  /** A digested notification in two digests, or a digest whose item list disagrees with its items' events. */
  digestMismatches: Finding[];
  /** Terminal events not in MongoDB yet while the status tracker is still behind (not a failure). */
  timelineNotYetRecorded: number;
  degraded: Finding[];
  /** Notifications with more than one ACCEPTED event (ingest published them again). */
  reaccepted: number;
  /** SENT events answered from the ledger (attributes.duplicateSuppressed): a repeat stopped before the provider. */
  ledgerSuppressedRepeats: number;
  ok: boolean;
}

/** One status event as a finding shows it: when, what, and why. */
function eventLine(e: StatusRecord): string {
  const attempt = e.attributes.attempt ? ` attempt ${e.attributes.attempt}` : '';
  return `${new Date(e.occurredAt).toISOString()} ${e.status}${e.provider ? ` ${e.provider}` : ''}${attempt}${e.reason ? ` (${e.reason})` : ''}`;
}

export function timelineKey(notificationId: string, status: string, channel: Channel | null | undefined): string {
  return `${notificationId}|${status}|${channel ?? ''}`;
}

const SENDER_OF: Record<Receipt['provider'], string> = {
  sendgrid: 'sender-sendgrid',
  smtp: 'sender-smtp',
  webhook: 'sender-webhook',
  twilio: 'sender-twilio',
  push: 'sender-push',
  inapp: 'sender-inapp',
};
const LEDGER_STORES = new Set(['mongo', 'redis']);
const CLOCK_SLACK_MS = 1_000; // receipts and faults are stamped by different processes

/** Why the copy after `first` happened: a crash of its sender, or its ledger store down, right after it. */
function explain(first: Receipt, faults: readonly FaultEvent[], windowMs: number): { cause: DuplicateCause; fault?: string } {
  const from = first.receivedAt - CLOCK_SLACK_MS;
  const to = first.receivedAt + windowMs;
  const kill = faults.find((f) => (f.kind === 'kill' || f.kind === 'unexpected-exit') && f.target === SENDER_OF[first.provider] && f.at >= from && f.at <= to);
  if (kill) return { cause: 'sender-killed', fault: `${kill.kind} ${kill.target} ${kill.at - first.receivedAt} ms after the first copy` };
  const store = faults.find((f) => f.kind === 'infra-restart' && LEDGER_STORES.has(f.target) && f.at <= to && (f.readyAt ?? f.at + windowMs) >= from);
  if (store) return { cause: 'ledger-store-restart', fault: `${store.target} restarting ${store.at - first.receivedAt} ms after the first copy` };
  return { cause: 'unexplained' };
}

function providerDuplicate(plan: PlannedNotification | undefined, channel: Channel, copies: Receipt[], input: VerifyInput): ProviderDuplicate {
  const sorted = [...copies].sort((a, b) => a.receivedAt - b.receivedAt);
  let worst: { cause: DuplicateCause; fault?: string } = { cause: 'sender-killed' };
  const rank: Record<DuplicateCause, number> = { 'sender-killed': 0, 'ledger-store-restart': 1, unexplained: 2 };
  for (let i = 1; i < sorted.length; i++) {
    const why = explain(sorted[i - 1]!, input.faults, input.crashWindowMs);
    if (i === 1 || rank[why.cause] > rank[worst.cause]) worst = why;
  }
  const keys = new Set(sorted.map((r) => r.dedupKey));
  return {
    notificationId: sorted[0]!.notificationId!,
    channel,
    ...(plan ? { scenario: plan.scenario } : {}),
    providers: sorted.map((r) => r.provider),
    copies: sorted.length,
    spreadMs: sorted[sorted.length - 1]!.receivedAt - sorted[0]!.receivedAt,
    receivedAt: sorted.map((r) => new Date(r.receivedAt).toISOString()),
    ...worst,
    deduplicableByReceiver: keys.size === 1 && !keys.has(undefined),
  };
}

export function verify(input: VerifyInput): VerifyResult {
  const { workload, statuses } = input;
  const result: VerifyResult = {
    accepted: 0,
    acceptedUnconfirmed: 0,
    terminal: { SENT: 0, SUPPRESSED: 0, FAILED: 0, DEAD_LETTERED: 0, DIGESTED: 0 },
    byScenario: {},
    losses: [],
    duplicates: [],
    providerDuplicates: [],
    wrongOutcomes: [],
    deliveredNotSent: [],
    unmatchedReceipts: [],
    unexpectedNotifications: [],
    timelineGaps: [],
    digests: 0,
    digestMismatches: [],
    timelineNotYetRecorded: 0,
    degraded: [],
    reaccepted: 0,
    ledgerSuppressedRepeats: 0,
    ok: false,
  };

  const plans = withDigests(workload.notifications, statuses);
  result.digests = plans.size - workload.notifications.size;
  result.digestMismatches = digestMembershipFindings(workload.notifications, statuses).map((f) => ({ ...f, scenario: DIGEST_SCENARIO }));

  const receiptsOf = new Map<string, Receipt[]>();
  for (const r of input.receipts) {
    if (!r.notificationId || !plans.has(r.notificationId)) {
      result.unmatchedReceipts.push(`${r.provider}: ${r.clue}`);
      continue;
    }
    const k = `${r.notificationId}|${r.channel}`;
    const list = receiptsOf.get(k);
    if (list) list.push(r);
    else receiptsOf.set(k, [r]);
  }
  for (const id of statuses.keys()) if (!plans.has(id)) result.unexpectedNotifications.push(id);

  for (const plan of plans.values()) {
    const records = statuses.get(plan.notificationId) ?? [];
    const accepted = input.acceptedKeys.has(plan.requestKey);
    if (!accepted && records.length === 0) continue;
    if (accepted) result.accepted += 1;
    else result.acceptedUnconfirmed += 1;
    const summary = (result.byScenario[plan.scenario] ??= { notifications: 0, complete: 0, terminal: {} });
    summary.notifications += 1;
    const finding = (detail: string, channel?: Channel | null): Finding => ({ notificationId: plan.notificationId, scenario: plan.scenario, detail, ...(channel !== undefined ? { channel } : {}) });

    if (records.length === 0) {
      result.losses.push(finding('accepted, but no status event at all'));
      continue;
    }
    const outcome = outcomeOf(records);
    if (outcome.accepted > 1) result.reaccepted += 1;
    if (!isComplete(outcome, plan.expect)) {
      const seen = records.map((r) => `${r.status}${r.channel ? `/${r.channel}` : ''}`).join(' ');
      result.losses.push(finding(`no terminal state where one is due; events: ${seen}`));
    } else {
      summary.complete += 1;
    }

    const count = (kind: TerminalKind) => {
      result.terminal[kind] += 1;
      summary.terminal[kind] = (summary.terminal[kind] ?? 0) + 1;
    };
    const checkReasons = (events: readonly StatusRecord[], channel: Channel | null) => {
      for (const e of events) if ((e.status === 'FAILED' || e.status === 'DEAD_LETTERED') && !e.reason) result.wrongOutcomes.push(finding(`${e.status} without a reason`, channel));
    };

    if (outcome.whole.length > 0) {
      const kinds = terminalKinds(outcome.whole);
      if (kinds.length > 1) result.duplicates.push(finding(`conflicting terminal states ${kinds.join(', ')}`, null));
      const kind = kinds[0]!;
      count(kind);
      checkReasons(outcome.whole, null);
      const expected = plan.expect.whole;
      const alternative = plan.expect.alternatively;
      const asAlternative = alternative?.whole === kind && outcome.whole[0]!.reason === alternative.reason;
      if (expected !== kind && !asAlternative) {
        if (!expected && (kind === 'FAILED' || kind === 'DEAD_LETTERED')) result.degraded.push(finding(`${kind}: ${outcome.whole[0]!.reason}`, null));
        else result.wrongOutcomes.push(finding(`ended ${kind} (${outcome.whole[0]!.reason}), expected ${expected ?? JSON.stringify(plan.expect.channels)}`, null));
      }
    }

    const channels = new Set<Channel>([...outcome.channels.keys()]);
    if (outcome.whole.length === 0) for (const c of Object.keys(plan.expect.channels ?? {}) as Channel[]) channels.add(c);
    for (const channel of channels) {
      const o = outcome.channels.get(channel);
      const terminal = o?.terminal ?? [];
      const receipts = receiptsOf.get(`${plan.notificationId}|${channel}`) ?? [];
      if (receipts.length > 1) result.providerDuplicates.push(providerDuplicate(plan, channel, receipts, input));
      if (terminal.length === 0) {
        if (receipts.length > 0) result.deliveredNotSent.push(finding(`provider got it, but the channel has no terminal state`, channel));
        continue;
      }
      const kinds = terminalKinds(terminal);
      const repeats = terminal.filter((e) => e.status === 'SENT' && e.attributes.duplicateSuppressed === 'true').length;
      result.ledgerSuppressedRepeats += repeats;
      const realSent = terminal.filter((e) => e.status === 'SENT' && e.attributes.duplicateSuppressed !== 'true').length;
      if (kinds.length > 1) result.duplicates.push(finding(`conflicting terminal states ${kinds.join(', ')}`, channel));
      if (realSent > 1) result.duplicates.push(finding(`SENT ${realSent} times without the ledger noticing`, channel));
      const kind = kinds[0]!;
      count(kind);
      checkReasons(terminal, channel);
      if (kind === 'SENT' && receipts.length === 0) result.losses.push(finding(`SENT via ${terminal[0]!.provider}, but no provider got it`, channel));
      if (kind !== 'SENT' && receipts.length > 0) {
        const got = receipts.map((r) => `${r.provider} at ${new Date(r.receivedAt).toISOString()}`).join(', ');
        const history = records.filter((r) => r.channel === channel).map(eventLine).join('; ');
        result.deliveredNotSent.push(finding(`${got} got it, but the channel ended ${kind} (${terminal[0]!.reason}); events: ${history}`, channel));
      }
      const expected = plan.expect.channels?.[channel];
      if (expected === kind) continue;
      if (expected === 'SENT' && (kind === 'FAILED' || kind === 'DEAD_LETTERED')) result.degraded.push(finding(`${kind}: ${terminal[0]!.reason}`, channel));
      else result.wrongOutcomes.push(finding(`ended ${kind} (${terminal[0]!.reason}), expected ${expected ?? 'nothing on this channel'}`, channel));
    }

    if (input.timeline) {
      const missing = records
        .filter((r) => (TERMINAL as readonly string[]).includes(r.status))
        .map((r) => timelineKey(r.notificationId, r.status, r.channel))
        .filter((k) => !input.timeline!.has(k));
      if (missing.length > 0 && input.timelineFinal === false) result.timelineNotYetRecorded += missing.length;
      else if (missing.length > 0) result.timelineGaps.push(finding(`not in the MongoDB timeline: ${[...new Set(missing)].map((k) => k.split('|').slice(1).join('/')).join(', ')}`));
    }
  }

  result.ok =
    result.losses.length === 0 &&
    result.duplicates.length === 0 &&
    result.providerDuplicates.every((d) => d.cause !== 'unexplained') &&
    result.wrongOutcomes.length === 0 &&
    result.deliveredNotSent.length === 0 &&
    result.unmatchedReceipts.length === 0 &&
    result.unexpectedNotifications.length === 0 &&
    result.timelineGaps.length === 0 &&
    result.digestMismatches.length === 0;
  return result;
}
