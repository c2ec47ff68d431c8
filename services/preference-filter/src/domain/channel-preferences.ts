import type { Channel, Priority } from '@notify/schemas';
import type { FilterPreferences } from './preferences.js';

/** The part of a recipient's preferences that decides channels. */
export type ChannelPreferences = Pick<FilterPreferences, 'globalUnsubscribe' | 'categories'>;

export type PreferenceSuppressionReason = 'global_unsubscribe' | 'opted_out' | 'no_channels';

export type ChannelPreferenceOutcome =
  | { kind: 'allowed'; channels: Channel[]; optedOut: Channel[] }
  | { kind: 'suppressed'; reason: PreferenceSuppressionReason; detail: string };

export interface ChannelPreferenceInput {
  category: string;
  priority: Priority;
  /** Channels the sender asked for, in preference order; empty means every channel with content. */
  requested: readonly Channel[];
  /** Channels the template has content for, in the order enrichment resolved them. */
  withContent: readonly Channel[];
  /** null: the recipient never set preferences, so everything is opted in. */
  preferences: ChannelPreferences | null;
}

/**
 * Narrows the requested channels to those the recipient accepts for the category.
 *
 * Policy for CRITICAL (security alerts, password resets, fraud warnings):
 * - A global unsubscribe does NOT stop it. People unsubscribe "from everything" to stop marketing and
 *   digests, and still expect to hear that their account was accessed from a new device; transactional
 *   messages are exempt from unsubscribe in the usual regulations (CAN-SPAM, PECR) for the same reason.
 * - An explicit opt-out of a channel for that category IS honoured: the recipient said, for exactly
 *   this kind of message, "not on SMS". Overriding a choice that specific breaks trust (and, for SMS,
 *   carrier rules). The other channels still carry it.
 */
export function resolveChannelPreferences(input: ChannelPreferenceInput): ChannelPreferenceOutcome {
  const candidates = unique(input.requested.length > 0 ? input.requested : input.withContent);
  if (candidates.length === 0) {
    return {
      kind: 'suppressed',
      reason: 'no_channels',
      detail: 'no channel requested and the template has no content',
    };
  }
  const prefs = input.preferences;
  if (prefs === null) return { kind: 'allowed', channels: candidates, optedOut: [] };

  if (prefs.globalUnsubscribe && input.priority !== 'CRITICAL') {
    return {
      kind: 'suppressed',
      reason: 'global_unsubscribe',
      detail: 'recipient unsubscribed from all notifications',
    };
  }

  const choices = prefs.categories[input.category] ?? {};
  const channels = candidates.filter((c) => choices[c] !== false);
  const optedOut = candidates.filter((c) => choices[c] === false);
  if (channels.length === 0) {
    return {
      kind: 'suppressed',
      reason: 'opted_out',
      detail: `recipient opted out of ${optedOut.join(', ')} for category '${input.category}'`,
    };
  }
  return { kind: 'allowed', channels, optedOut };
}

function unique(channels: readonly Channel[]): Channel[] {
  return [...new Set(channels)];
}
