import { Stages, statusEvent } from '@notify/core';
import type { Channel, NotificationStatusEvent } from '@notify/schemas';
import { CALLBACK_PROVIDERS, type CallbackProvider, type ProviderOutcome, type UndeliverableReason } from './provider-outcome.js';

export interface NotificationSubject {
  notificationId: string;
  tenantId: string;
  userId: string;
}

/** Where a provider's message is found: the notification it belongs to, and the channel it went on. */
export interface NotificationSubjectLookup {
  byNotificationId(notificationId: string, tenantId: string | null): Promise<NotificationSubject | null>;
  byProviderMessageId(provider: string, providerMessageId: string): Promise<{ subject: NotificationSubject; channel: Channel } | null>;
}

/** An address to mark undeliverable on a channel, for the notification whose delivery said so. */
export interface UndeliverableAddress {
  tenantId: string;
  channel: Channel;
  address: string;
  reason: UndeliverableReason;
  provider: string;
  notificationId: string;
  /** Epoch millis. */
  occurredAt: number;
}

export interface ResolvedOutcomes {
  events: NotificationStatusEvent[];
  /** Hard bounces' and complaints' addresses, of the outcomes that matched a notification. */
  undeliverable: UndeliverableAddress[];
  /** Outcomes that name no known notification. */
  unmatched: ProviderOutcome[];
}

/**
 * Providers whose echoed ids are lossy: the SES sender's tag values are reduced to letters, digits, `_`
 * and `-`, so SES's message id, exact, is looked up first.
 */
const MESSAGE_ID_FIRST: ReadonlySet<CallbackProvider> = new Set(['ses']);

/**
 * Matches each outcome to its notification (the id the provider echoes back first, else the provider's
 * message id in the deliveries ledger; the other way round for MESSAGE_ID_FIRST providers) and turns it
 * into a status event, plus the addresses a hard bounce or complaint marks undeliverable.
 */
export async function resolveOutcomes(outcomes: ProviderOutcome[], lookup: NotificationSubjectLookup): Promise<ResolvedOutcomes> {
  const resolved: ResolvedOutcomes = { events: [], undeliverable: [], unmatched: [] };
  for (const outcome of outcomes) {
    const match = await find(outcome, lookup);
    if (!match) {
      resolved.unmatched.push(outcome);
      continue;
    }
    resolved.events.push(
      statusEvent(match.subject, Stages.statusTracker, outcome.status, outcome.occurredAt, {
        channel: match.channel,
        provider: outcome.provider,
        reason: outcome.reason,
        providerMessageId: outcome.providerMessageId,
        attributes: outcome.attributes,
      }),
    );
    const marked = outcome.undeliverable;
    if (!marked) continue;
    for (const address of marked.addresses) {
      resolved.undeliverable.push({
        tenantId: match.subject.tenantId,
        channel: match.channel,
        address,
        reason: marked.reason,
        provider: outcome.provider,
        notificationId: match.subject.notificationId,
        occurredAt: outcome.occurredAt,
      });
    }
  }
  return resolved;
}

type Match = { subject: NotificationSubject; channel: Channel } | null;

async function find(outcome: ProviderOutcome, lookup: NotificationSubjectLookup): Promise<Match> {
  const byEchoedId = async (): Promise<Match> => {
    if (!outcome.notificationId) return null;
    const subject = await lookup.byNotificationId(outcome.notificationId, outcome.tenantId);
    return subject ? { subject, channel: CALLBACK_PROVIDERS[outcome.provider] } : null;
  };
  const byMessageId = async (): Promise<Match> =>
    outcome.providerMessageId ? lookup.byProviderMessageId(outcome.provider, outcome.providerMessageId) : null;
  return MESSAGE_ID_FIRST.has(outcome.provider) ? ((await byMessageId()) ?? byEchoedId()) : ((await byEchoedId()) ?? byMessageId());
}
