import type { Channel, RecipientProfile, TemplateContent } from '@notify/schemas';
import { deliverableAddresses, isReachable } from './reachability.js';
import type { RoutingConfig } from './routing-config.js';
import { NONE_UNDELIVERABLE, type UndeliverableAddresses } from './undeliverable.js';

/** `undeliverable`: reachable, but every address on the channel is marked undeliverable. */
export type DropReason = 'not_allowed' | 'no_content' | 'unreachable' | 'undeliverable';

export interface ChosenChannel {
  channel: Channel;
  /** The unreachable requested channel this one stands in for; null when it was requested itself. */
  fallbackFor: Channel | null;
}

export interface DroppedChannel {
  channel: Channel;
  reason: DropReason;
  /** For an unreachable or undeliverable channel: the channel that stands in for it, if any. */
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
  /** Addresses marked undeliverable: a channel left with none is treated as unreachable. */
  undeliverable?: UndeliverableAddresses;
}

/**
 * Chooses channels: requested ∩ allowed ∩ has content ∩ reachable at an address not marked
 * undeliverable. A requested channel that is allowed and has content but is unreachable (or whose
 * addresses are all undeliverable) is replaced by the first channel of its fallback chain that is itself
 * allowed, has content and is reachable at a deliverable address; if that channel is already chosen
 * nothing is added (the recipient is reached there anyway). A channel is never chosen twice.
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
  const undeliverable = input.undeliverable ?? NONE_UNDELIVERABLE;
  const deliverable = (channel: Channel) =>
    channel === 'IN_APP' || deliverableAddresses(input.recipient, channel, '', undeliverable).length > 0;
  const usable = (channel: Channel) =>
    allowed.has(channel) && withContent.has(channel) && isReachable(input.recipient, channel) && deliverable(channel);

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
      const reason = isReachable(input.recipient, channel) ? 'undeliverable' : 'unreachable';
      dropped.push({ channel, reason, replacedBy: added ? standIn : null });
    }
  }
  return { chosen, dropped };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
