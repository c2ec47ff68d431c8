import type { Channel, NotificationStatus } from '@notify/schemas';

/** The providers whose delivery callbacks are understood, and the channel each one carries. */
export const CALLBACK_PROVIDERS = { sendgrid: 'EMAIL', twilio: 'SMS' } as const satisfies Record<string, Channel>;
export type CallbackProvider = keyof typeof CALLBACK_PROVIDERS;

/** The statuses a provider callback can report. */
export type CallbackStatus = Extract<NotificationStatus, 'DELIVERED' | 'BOUNCED' | 'FAILED'>;

/** What a provider said about one message, before it is matched to a notification. */
export interface ProviderOutcome {
  provider: CallbackProvider;
  status: CallbackStatus;
  /** Epoch millis. */
  occurredAt: number;
  /** The id the provider gave the message when it accepted it (what the deliveries ledger holds). */
  providerMessageId: string | null;
  /** Set when the provider echoes the notification id back (SendGrid custom args). */
  notificationId: string | null;
  tenantId: string | null;
  reason: string | null;
  attributes: Record<string, string>;
}

const MAX_REASON_LENGTH = 500; // characters

export function boundedReason(reason: string | undefined | null): string | null {
  const trimmed = reason?.trim();
  return trimmed ? trimmed.slice(0, MAX_REASON_LENGTH) : null;
}
