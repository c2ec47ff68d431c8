import { ChannelValues, type Channel, type PushPlatform, type RecipientProfile } from '@notify/schemas';
import type { UndeliverableAddresses } from './undeliverable.js';

function present(value: string | null): value is string {
  return value !== null && value.trim() !== '';
}

/** A push token and the platform of its device; null for a token of unknown platform. */
export interface PushTarget {
  token: string;
  platform: PushPlatform | null;
}

/**
 * The recipient's push targets, best first: the devices in profile order, then the tokens of unknown
 * platform. Each distinct non-blank token appears once, with the platform of its first device.
 */
export function pushTargets(recipient: RecipientProfile): PushTarget[] {
  const candidates: PushTarget[] = [
    ...recipient.devices.map((d) => ({ token: d.token.trim(), platform: d.platform })),
    ...recipient.deviceTokens.map((t) => ({ token: t.trim(), platform: null })),
  ];
  const byToken = new Map<string, PushTarget>();
  for (const c of candidates) if (c.token !== '' && !byToken.has(c.token)) byToken.set(c.token, c);
  return [...byToken.values()];
}

/** The platform of the device holding a push token; null when the token's platform is unknown. */
export function pushPlatformOf(recipient: RecipientProfile, token: string): PushPlatform | null {
  return pushTargets(recipient).find((t) => t.token === token)?.platform ?? null;
}

/**
 * Where a channel delivers to for this recipient, best first: the email address, the phone number,
 * the push tokens (pushTargets), the webhook URL, or the user id (in-app).
 * Empty when the recipient cannot be reached on the channel.
 */
export function contactAddresses(recipient: RecipientProfile, channel: Channel, userId: string): string[] {
  switch (channel) {
    case 'EMAIL':
      return present(recipient.email) ? [recipient.email.trim()] : [];
    case 'SMS':
      return present(recipient.phone) ? [recipient.phone.trim()] : [];
    case 'PUSH':
      return pushTargets(recipient).map((t) => t.token);
    case 'WEBHOOK':
      return present(recipient.webhookUrl) ? [recipient.webhookUrl.trim()] : [];
    case 'IN_APP':
      return [userId];
  }
}

/** IN_APP is always reachable (the inbox is keyed by user id); other channels need a contact point. */
export function isReachable(recipient: RecipientProfile, channel: Channel): boolean {
  return channel === 'IN_APP' || contactAddresses(recipient, channel, '').length > 0;
}

/** Every channel the recipient can be reached on, in ChannelValues order. */
export function reachableChannels(recipient: RecipientProfile): Channel[] {
  return ChannelValues.filter((channel) => isReachable(recipient, channel));
}

/** The channel's addresses (contactAddresses) not marked undeliverable, best first. */
export function deliverableAddresses(recipient: RecipientProfile, channel: Channel, userId: string, undeliverable: UndeliverableAddresses): string[] {
  const marked = undeliverable[channel];
  const addresses = contactAddresses(recipient, channel, userId);
  return marked ? addresses.filter((a) => !marked.has(a)) : addresses;
}
