import { ChannelValues, type Channel, type RecipientProfile } from '@notify/schemas';

function present(value: string | null): value is string {
  return value !== null && value.trim() !== '';
}

/**
 * Where a channel delivers to for this recipient, best first: the email address, the phone number,
 * every distinct non-blank device token in profile order, the webhook URL, or the user id (in-app).
 * Empty when the recipient cannot be reached on the channel.
 */
export function contactAddresses(recipient: RecipientProfile, channel: Channel, userId: string): string[] {
  switch (channel) {
    case 'EMAIL':
      return present(recipient.email) ? [recipient.email.trim()] : [];
    case 'SMS':
      return present(recipient.phone) ? [recipient.phone.trim()] : [];
    case 'PUSH':
      return [...new Set(recipient.deviceTokens.map((t) => t.trim()).filter((t) => t !== ''))];
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
