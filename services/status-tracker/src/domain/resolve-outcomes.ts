import { Stages, statusEvent } from '@notify/core';
import type { Channel, NotificationStatusEvent } from '@notify/schemas';
import { CALLBACK_PROVIDERS, type ProviderOutcome } from './provider-outcome.js';

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

export interface ResolvedOutcomes {
  events: NotificationStatusEvent[];
  /** Outcomes that name no known notification. */
  unmatched: ProviderOutcome[];
}

/**
 * Matches each outcome to its notification (the id the provider echoes back first, else the provider's
 * message id in the deliveries ledger) and turns it into a status event.
 */
export async function resolveOutcomes(outcomes: ProviderOutcome[], lookup: NotificationSubjectLookup): Promise<ResolvedOutcomes> {
  const resolved: ResolvedOutcomes = { events: [], unmatched: [] };
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
  }
  return resolved;
}

async function find(outcome: ProviderOutcome, lookup: NotificationSubjectLookup): Promise<{ subject: NotificationSubject; channel: Channel } | null> {
  if (outcome.notificationId) {
    const subject = await lookup.byNotificationId(outcome.notificationId, outcome.tenantId);
    if (subject) return { subject, channel: CALLBACK_PROVIDERS[outcome.provider] };
  }
  return outcome.providerMessageId ? lookup.byProviderMessageId(outcome.provider, outcome.providerMessageId) : null;
}
