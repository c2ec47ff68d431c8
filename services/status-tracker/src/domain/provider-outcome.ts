import type { EngagementStatus } from '@notify/core';
import type { Channel, NotificationStatus } from '@notify/schemas';

/** The providers whose delivery callbacks are understood, and the channel each one carries. */
export const CALLBACK_PROVIDERS = { sendgrid: 'EMAIL', twilio: 'SMS', ses: 'EMAIL' } as const satisfies Record<string, Channel>;
export type CallbackProvider = keyof typeof CALLBACK_PROVIDERS;

/** The statuses a provider callback can report: an outcome, or the recipient's engagement. */
export type CallbackStatus = Extract<NotificationStatus, 'DELIVERED' | 'BOUNCED' | 'FAILED'> | EngagementStatus;

/** Why an address will not be delivered to again: it bounced hard, or its owner complained. */
export type UndeliverableReason = 'hard_bounce' | 'complaint';

/** A bounce's `bounce` attribute: hard (the address does not exist) or soft (it may pass). */
export type BounceKind = 'hard' | 'soft';

/** What a provider said about one message, before it is matched to a notification. */
export interface ProviderOutcome {
  provider: CallbackProvider;
  status: CallbackStatus;
  /** Epoch millis. */
  occurredAt: number;
  /** The id the provider gave the message when it accepted it (what the deliveries ledger holds). */
  providerMessageId: string | null;
  /** Set when the provider echoes the notification id back (SendGrid custom args, SES tags). */
  notificationId: string | null;
  tenantId: string | null;
  reason: string | null;
  attributes: Record<string, string>;
  /** Set for a hard bounce or a complaint: the addresses, as the provider reports them, to mark undeliverable. */
  undeliverable?: { reason: UndeliverableReason; addresses: string[] };
}

const MAX_REASON_LENGTH = 500; // characters
const MAX_URL_LENGTH = 2_048; // characters

export function boundedReason(reason: string | undefined | null): string | null {
  const trimmed = reason?.trim();
  return trimmed ? trimmed.slice(0, MAX_REASON_LENGTH) : null;
}

/** A clicked link for the `url` attribute, cut to a length a timeline can hold. */
export function boundedUrl(url: string): string {
  return url.slice(0, MAX_URL_LENGTH);
}
