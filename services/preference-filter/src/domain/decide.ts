import { Stages, statusEvent } from '@notify/core';
import type {
  Channel,
  NotificationEnriched,
  NotificationFiltered,
  NotificationStatusEvent,
} from '@notify/schemas';
import { resolveChannelPreferences, type PreferenceSuppressionReason } from './channel-preferences.js';
import { capId, capsFor, type AppliedCap, type CapVerdict, type FrequencyCapRule } from './frequency-cap.js';
import type { FilterPreferences } from './preferences.js';
import { quietHoursDeferral } from './quiet-hours.js';

export type SuppressionReason = 'expired' | PreferenceSuppressionReason | 'frequency_cap';
export type DeferralReason = 'scheduled' | 'quiet_hours';

/** A channel taken out of an otherwise passing notification. */
export interface RemovedChannel {
  channel: Channel;
  reason: 'opted_out' | 'frequency_cap';
  detail: string;
}

export type FilterDecision =
  | { kind: 'pass'; allowedChannels: Channel[]; removed: RemovedChannel[] }
  | { kind: 'suppress'; reason: SuppressionReason; detail: string }
  | { kind: 'defer'; until: number; reason: DeferralReason };

export type { FilterPreferences };

export interface DecisionInput {
  enriched: NotificationEnriched;
  /** Epoch ms. */
  now: number;
  /** null: the recipient has no preferences document, so the defaults apply (all in, no quiet hours). */
  preferences: FilterPreferences | null;
  /** Cap verdicts per channel (from the frequency-cap store); a channel without one is not capped. */
  capVerdicts?: Partial<Record<Channel, CapVerdict>>;
}

/**
 * The whole filter decision, in order: expiry, schedule, preferences, quiet hours, frequency caps.
 *
 * Caps come last and their counters are recorded as they are checked, so a caller that talks to the
 * cap store runs it in two steps: `decideBeforeCaps`, then `planCapChecks` → store → `applyCapVerdicts`.
 * `decide` is the same thing for verdicts already in hand.
 */
export function decide(input: DecisionInput): FilterDecision {
  return applyCapVerdicts(decideBeforeCaps(input), input.capVerdicts ?? {});
}

/** Every step but the caps; a 'pass' carries the channels still to be cap-checked. */
export function decideBeforeCaps(input: DecisionInput): FilterDecision {
  const { enriched, now } = input;
  const n = enriched.notification;
  const expiresAt = n.expiresAt;

  if (expiresAt !== null && expiresAt <= now) {
    return { kind: 'suppress', reason: 'expired', detail: `expired at ${iso(expiresAt)}` };
  }

  if (n.scheduledFor !== null && n.scheduledFor > now) {
    // Waiting for an instant after which it may no longer go out only fills the scheduler.
    if (expiresAt !== null && expiresAt <= n.scheduledFor) {
      return {
        kind: 'suppress',
        reason: 'expired',
        detail: `expires at ${iso(expiresAt)}, before its scheduled time ${iso(n.scheduledFor)}`,
      };
    }
    return { kind: 'defer', until: n.scheduledFor, reason: 'scheduled' };
  }

  const prefs = input.preferences;
  const outcome = resolveChannelPreferences({
    category: n.category,
    priority: n.priority,
    requested: n.channels,
    withContent: enriched.content.map((c) => c.channel),
    preferences: prefs,
  });
  if (outcome.kind === 'suppressed')
    return { kind: 'suppress', reason: outcome.reason, detail: outcome.detail };

  const quietUntil = quietHoursDeferral(n.priority, prefs?.quietHours, enriched.recipient.timezone, now);
  if (quietUntil !== null) {
    // Quiet hours are the recipient's choice; a sender who must reach them anyway marks it CRITICAL.
    if (expiresAt !== null && expiresAt <= quietUntil) {
      return {
        kind: 'suppress',
        reason: 'expired',
        detail: `expires at ${iso(expiresAt)}, during the recipient's quiet hours (until ${iso(quietUntil)})`,
      };
    }
    return { kind: 'defer', until: quietUntil, reason: 'quiet_hours' };
  }

  const removed: RemovedChannel[] = outcome.optedOut.map((channel) => ({
    channel,
    reason: 'opted_out',
    detail: `recipient opted out of ${channel} for category '${n.category}'`,
  }));
  return { kind: 'pass', allowedChannels: outcome.channels, removed };
}

/** Removes the channels whose cap refused them; suppresses the notification when none is left. */
export function applyCapVerdicts(
  decision: FilterDecision,
  verdicts: Partial<Record<Channel, CapVerdict>>,
): FilterDecision {
  if (decision.kind !== 'pass') return decision;
  const allowedChannels: Channel[] = [];
  const capped: RemovedChannel[] = [];
  for (const channel of decision.allowedChannels) {
    const verdict = verdicts[channel];
    if (verdict === undefined || verdict.allowed) {
      allowedChannels.push(channel);
    } else {
      const exceeded = verdict.exceeded;
      const detail = exceeded
        ? `${channel} over cap ${capId(exceeded.cap)} (${exceeded.count} in window)`
        : `${channel} over its frequency cap`;
      capped.push({ channel, reason: 'frequency_cap', detail });
    }
  }
  if (allowedChannels.length === 0) {
    return { kind: 'suppress', reason: 'frequency_cap', detail: capped.map((c) => c.detail).join('; ') };
  }
  return { kind: 'pass', allowedChannels, removed: [...decision.removed, ...capped] };
}

/** One cap check: a channel of a notification against the caps that limit it. */
export interface CapCheck {
  notificationId: string;
  tenantId: string;
  userId: string;
  category: string;
  channel: Channel;
  caps: AppliedCap[];
}

/** The cap checks a passing decision needs; none for channels no cap limits, nor for non-passing decisions. */
export function planCapChecks(
  enriched: NotificationEnriched,
  decision: FilterDecision,
  policy: readonly FrequencyCapRule[],
): CapCheck[] {
  if (decision.kind !== 'pass') return [];
  const n = enriched.notification;
  return decision.allowedChannels.flatMap((channel) => {
    const caps = capsFor(policy, n.category, channel);
    if (caps.length === 0) return [];
    return [
      {
        notificationId: n.notificationId,
        tenantId: n.tenantId,
        userId: n.userId,
        category: n.category,
        channel,
        caps,
      },
    ];
  });
}

/** The record for the filtered topic, for a passing decision. */
export function toFiltered(enriched: NotificationEnriched, allowedChannels: Channel[]): NotificationFiltered {
  return {
    notification: enriched.notification,
    recipient: enriched.recipient,
    content: enriched.content,
    allowedChannels,
  };
}

/**
 * The status event for a decision: SUPPRESSED with the reason and `attributes.detail`, or DEFERRED with
 * the cause and `attributes.deferredUntil` (ISO 8601). A pass reports nothing here: the router's ROUTED follows.
 */
export function statusEventFor(
  enriched: NotificationEnriched,
  decision: FilterDecision,
  now: number,
): NotificationStatusEvent | null {
  switch (decision.kind) {
    case 'pass':
      return null;
    case 'suppress':
      return statusEvent(enriched.notification, Stages.preferenceFilter, 'SUPPRESSED', now, {
        reason: decision.reason,
        attributes: { detail: decision.detail },
      });
    case 'defer':
      return statusEvent(enriched.notification, Stages.preferenceFilter, 'DEFERRED', now, {
        reason: decision.reason,
        attributes: { deferredUntil: iso(decision.until) },
      });
  }
}

/**
 * Channel-level SUPPRESSED events for the channels a passing decision dropped (opted out, over cap),
 * so that a narrowed notification says why it did not arrive everywhere. `channel` is set on each.
 */
export function channelSuppressionEvents(
  enriched: NotificationEnriched,
  decision: FilterDecision,
  now: number,
): NotificationStatusEvent[] {
  if (decision.kind !== 'pass') return [];
  return decision.removed.map((r) =>
    statusEvent(enriched.notification, Stages.preferenceFilter, 'SUPPRESSED', now, {
      channel: r.channel,
      reason: r.reason,
      attributes: { detail: r.detail },
    }),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
