import type { Channel, NotificationFiltered } from '@notify/schemas';
import { contactAddresses } from './reachability.js';

/**
 * A recipient's addresses that a hard bounce or a complaint marked undeliverable, per channel, spelled
 * as contactAddresses gives them. Found by the caller (a store lookup); routing only reads it.
 */
export type UndeliverableAddresses = Partial<Record<Channel, ReadonlySet<string>>>;

export const NONE_UNDELIVERABLE: UndeliverableAddresses = {};

/** The channels whose providers report hard bounces and complaints: no other address is ever marked. */
export const MARKABLE_CHANNELS: readonly Channel[] = ['EMAIL', 'SMS'];

/** The addresses of a notification worth looking up: its recipient's, on the markable channels. */
export function addressesToCheck(filtered: NotificationFiltered): Array<{ channel: Channel; address: string }> {
  const n = filtered.notification;
  return MARKABLE_CHANNELS.flatMap((channel) => contactAddresses(filtered.recipient, channel, n.userId).map((address) => ({ channel, address })));
}

/** The found marks as routing reads them. */
export function undeliverableAddresses(found: ReadonlyArray<{ channel: Channel; address: string }>): UndeliverableAddresses {
  const byChannel: Partial<Record<Channel, Set<string>>> = {};
  for (const { channel, address } of found) (byChannel[channel] ??= new Set()).add(address);
  return byChannel;
}
