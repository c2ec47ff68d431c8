import type { Channel, RecipientProfile, TemplateContent } from '@notify/schemas';
import { isReachable } from './reachability.js';
import type { RoutingConfig } from './routing-config.js';

export type DropReason = 'not_allowed' | 'no_content' | 'unreachable';

export interface ChosenChannel {
  channel: Channel;
  /** The unreachable requested channel this one stands in for; null when it was requested itself. */
  fallbackFor: Channel | null;
}

export interface DroppedChannel {
  channel: Channel;
  reason: DropReason;
  /** For an unreachable channel: the channel that stands in for it, if any. */
  replacedBy: Channel | null;
}

export interface ChannelSelection {
  /** In request order; a stand-in takes the place of the channel it replaces. */
  chosen: ChosenChannel[];
  dropped: DroppedChannel[];
}

export interface ChannelSelectionInput {
  /** Requested channels in preference order; empty means every channel the content has. */
  requested: readonly Channel[];
  allowed: readonly Channel[];
  content: readonly TemplateContent[];
  recipient: RecipientProfile;
}

/**
 * Chooses channels: requested ∩ allowed ∩ has content ∩ reachable. A requested channel that is allowed
 * and has content but is unreachable is replaced by the first channel of its fallback chain that is
 * itself allowed, has content and is reachable; if that channel is already chosen nothing is added
 * (the recipient is reached there anyway). A channel is never chosen twice.
 */
export function selectChannels(
  input: ChannelSelectionInput,
  channelFallbacks: RoutingConfig['channelFallbacks'],
): ChannelSelection {
  const withContent = new Set(input.content.map((c) => c.channel));
  const allowed = new Set(input.allowed);
  const requested = unique(
    input.requested.length > 0 ? input.requested : input.content.map((c) => c.channel),
  );
  const usable = (channel: Channel) =>
    allowed.has(channel) && withContent.has(channel) && isReachable(input.recipient, channel);

  // Channels usable in their own right come first, so a stand-in never duplicates a requested channel.
  const taken = new Set(requested.filter(usable));
  const chosen: ChosenChannel[] = [];
  const dropped: DroppedChannel[] = [];

  for (const channel of requested) {
    if (!allowed.has(channel)) {
      dropped.push({ channel, reason: 'not_allowed', replacedBy: null });
    } else if (!withContent.has(channel)) {
      dropped.push({ channel, reason: 'no_content', replacedBy: null });
    } else if (usable(channel)) {
      chosen.push({ channel, fallbackFor: null });
    } else {
      const standIn = (channelFallbacks[channel] ?? []).find(usable);
      const added = standIn !== undefined && !taken.has(standIn);
      if (added) {
        taken.add(standIn);
        chosen.push({ channel: standIn, fallbackFor: channel });
      }
      dropped.push({ channel, reason: 'unreachable', replacedBy: added ? standIn : null });
    }
  }
  return { chosen, dropped };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
